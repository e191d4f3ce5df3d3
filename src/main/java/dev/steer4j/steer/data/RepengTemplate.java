package dev.steer4j.steer.data;

import java.util.List;

/**
 * repeng's persona-contrast recipe: each prompt is {@code userTag + " " + template(persona) + " " + asstTag + " " +
 * suffix} (empty parts skipped), for every suffix and every (positive, negative) persona pair, as in repeng's
 * {@code make_dataset}.
 *
 * @param template         a sentence with a {@code {persona}} placeholder, e.g. "Act as if you're extremely {persona}."
 * @param positivePersonas personas for the positive side ("happy")
 * @param negativePersonas personas for the negative side, paired by index ("sad")
 * @param userTag          text before the instruction (a chat model's user marker), or ""
 * @param asstTag          text after the instruction (the assistant marker), or ""
 * @param expandSuffixes   also use every word prefix of each suffix ("I can", "I can see"), as repeng's notebooks do
 *                         with token prefixes; word prefixes keep the dataset independent of the tokenizer
 */
public record RepengTemplate(String template, List<String> positivePersonas, List<String> negativePersonas,
                             String userTag, String asstTag, boolean expandSuffixes) {
    public static final String DEFAULT_TEMPLATE = "Act as if you're extremely {persona}.";

    public RepengTemplate {
        if (template == null || !template.contains("{persona}"))
            throw new DatasetException(null, "the repeng template must contain {persona}, got " + (template == null ? "null" : "\"" + template + "\""));
        positivePersonas = List.copyOf(positivePersonas);
        negativePersonas = List.copyOf(negativePersonas);
        if (positivePersonas.isEmpty() || negativePersonas.isEmpty())
            throw new DatasetException(null, "the repeng template needs at least one positive and one negative persona");
        if (positivePersonas.size() != negativePersonas.size())
            throw new DatasetException(null, "unequal pair counts: " + positivePersonas.size() + " positive personas but "
                    + negativePersonas.size() + " negative personas (repeng pairs them by index)");
        userTag = userTag == null ? "" : userTag;
        asstTag = asstTag == null ? "" : asstTag;
    }

    /** The default template with one persona pair and no chat tags. */
    public static RepengTemplate of(String positivePersona, String negativePersona) {
        return new RepengTemplate(DEFAULT_TEMPLATE, List.of(positivePersona), List.of(negativePersona), "", "", false);
    }

    String prompt(String persona, String suffix) {
        StringBuilder sb = new StringBuilder();
        for (String part : new String[]{userTag, template.replace("{persona}", persona), asstTag, suffix}) {
            if (part.isEmpty()) continue;
            if (!sb.isEmpty()) sb.append(' ');
            sb.append(part);
        }
        return sb.toString();
    }
}
