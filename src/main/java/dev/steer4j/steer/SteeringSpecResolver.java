package dev.steer4j.steer;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.steer.SteeringFields.Part;
import dev.steer4j.util.LayerList;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;

/**
 * The one validator of steering requests: reads a {@link SteeringSpec}'s vectors, checks them against the model
 * (width, layers, the layer list, the site, a direction to ablate, the condition layer and threshold) and builds the
 * {@link Steering}. Every error is a {@link SteeringSpecException} naming the field in the entry point's terms.
 */
public final class SteeringSpecResolver {
    private SteeringSpecResolver() {}

    /**
     * The steering, with what was chosen: the vector layers each add and clamp uses, and the layer each ablation
     * took its direction from.
     */
    public record Resolved(Steering steering, List<List<Integer>> addLayers, List<List<Integer>> clampLayers, List<Integer> ablateLayers) {}

    static Resolved resolve(SteeringSpec spec, Model model, VectorSource source, SteeringFields f) {
        Steering s = Steering.none();
        List<List<Integer>> addLayers = new ArrayList<>(), clampLayers = new ArrayList<>();
        List<Integer> ablateLayers = new ArrayList<>();
        for (int i = 0; i < spec.adds().size(); i++) {
            SteeringSpec.Add a = spec.adds().get(i);
            SteeringVector v = vector(a.vector(), model, source, f, Part.ADD, i);
            if (!Double.isFinite(a.coefficient()))
                throw new SteeringSpecException(f.name(Part.ADD, i, "coefficient"), "coefficient " + a.coefficient() + " is not a finite number");
            LayerList ls = layers(a.layers(), model, f, Part.ADD, i);
            SortedMap<Integer, float[]> sel = select(v, a.vector(), ls, a.site(), model, source, f, Part.ADD, i);
            s = s.add(v, a.coefficient(), ls, a.site(), a.positions());
            addLayers.add(List.copyOf(sel.keySet()));
        }
        for (int i = 0; i < spec.clamps().size(); i++) {
            SteeringSpec.Clamp c = spec.clamps().get(i);
            SteeringVector v = vector(c.vector(), model, source, f, Part.CLAMP, i);
            if (!Double.isFinite(c.value()))
                throw new SteeringSpecException(f.name(Part.CLAMP, i, "value"), "clamp value " + c.value() + " is not a finite number");
            LayerList ls = layers(c.layers(), model, f, Part.CLAMP, i);
            SortedMap<Integer, float[]> sel = select(v, c.vector(), ls, c.site(), model, source, f, Part.CLAMP, i);
            for (var e : sel.entrySet())
                if (SteeringVector.norm(e.getValue()) == 0)
                    throw new SteeringSpecException(f.name(Part.CLAMP, i, "vector"), source.describe(c.vector()) + " has a zero direction at layer " + e.getKey() + ", so there is nothing to clamp along");
            s = s.clamp(v, c.value(), ls, c.site(), c.positions());
            clampLayers.add(List.copyOf(sel.keySet()));
        }
        for (int i = 0; i < spec.ablations().size(); i++) {
            SteeringSpec.Ablate a = spec.ablations().get(i);
            SteeringVector v = vector(a.vector(), model, source, f, Part.ABLATE, i);
            int layer;
            if (a.layer() != null) {
                layer = a.layer() < 0 ? index(a.layer(), model, f, Part.ABLATE, i) : a.layer();
                if (!v.has(layer))
                    throw new SteeringSpecException(f.name(Part.ABLATE, i, "layer"), source.describe(a.vector()) + " has no direction for layer " + shown(a.layer(), layer) + " (it has layers " + v.layers().keySet() + ")");
            } else if (v.layers().size() == 1) layer = v.layers().firstKey();
            else throw new SteeringSpecException(f.name(Part.ABLATE, i, "vector"), source.describe(a.vector()) + " has directions for layers "
                        + v.layers().keySet() + "; choose one with " + f.ablateLayerHint(a.vector()));
            try {
                s = s.ablate(v.get(layer));
            } catch (IllegalArgumentException e) {
                throw new SteeringSpecException(f.name(Part.ABLATE, i, "vector"), source.describe(a.vector()) + ": " + e.getMessage(), false, e);
            }
            ablateLayers.add(layer);
        }
        for (int i = 0; i < spec.conditions().size(); i++) {
            SteeringSpec.When w = spec.conditions().get(i);
            SteeringVector v = vector(w.vector(), model, source, f, Part.CONDITION, i);
            int at = index(w.layer(), model, f, Part.CONDITION, i);
            if (!Double.isFinite(w.threshold()) || w.threshold() < -1 || w.threshold() > 1)
                throw new SteeringSpecException(f.name(Part.CONDITION, i, "threshold"), "threshold " + w.threshold() + " is not a cosine in [-1, 1]");
            float[] dir;
            try {
                dir = Condition.directionAt(v, at);
            } catch (IllegalArgumentException e) {
                throw new SteeringSpecException(f.name(Part.CONDITION, i, "layer"), source.describe(w.vector()) + " has no direction for layer "
                        + shown(w.layer(), at) + " (it has layers " + v.layers().keySet() + ")", false, e);
            }
            try {
                s = s.when(new Condition(conditionName(w.vector()), dir, at, w.threshold(), w.comparison(), w.aggregate()));
            } catch (IllegalArgumentException e) {
                throw new SteeringSpecException(f.name(Part.CONDITION, i, "vector"), e.getMessage(), false, e);
            }
        }
        for (int i = 0; i < spec.refts().size(); i++) {
            String name = spec.refts().get(i);
            String field = f.name(Part.REFT, i, null);
            ReftIntervention r = lookup(field, () -> source.reft(name));
            try {
                ReftFile.checkFits(r, model, "ReFT intervention " + dev.steer4j.util.SafeText.quoted(name));
            } catch (IllegalArgumentException e) {
                throw new SteeringSpecException(field, e.getMessage(), false, e);
            }
            s = s.reft(r);
        }
        if (!spec.conditions().isEmpty() && spec.isEmpty())
            throw new SteeringSpecException(f.name(Part.CONDITION, -1, null), "a condition gates steering, but there is none (add "
                    + f.name(Part.ADD, -1, null) + ", " + f.name(Part.CLAMP, -1, null) + " or " + f.name(Part.ABLATE, -1, null) + ")");
        return new Resolved(s.conditionRule(spec.rule()).keepNorm(spec.keepNorm()), addLayers, clampLayers, ablateLayers);
    }

    /** The layer list with negative indices counted from the model's last layer (-1 = the last). */
    private static LayerList layers(LayerList ls, Model model, SteeringFields f, Part part, int i) {
        try {
            return ls.within(model.config().layers());
        } catch (IllegalArgumentException e) {
            throw new SteeringSpecException(f.name(part, i, "layers"), e.getMessage(), false, e);
        }
    }

    /** One layer index, negative counting from the end, checked against the model. */
    private static int index(int layer, Model model, SteeringFields f, Part part, int i) {
        try {
            return LayerList.index(layer, model.config().layers());
        } catch (IllegalArgumentException e) {
            throw new SteeringSpecException(f.name(part, i, "layer"), e.getMessage(), false, e);
        }
    }

    /** {@code -1 (= 4)} for a negative index, the layer otherwise. */
    private static String shown(int asked, int layer) {
        return asked == layer ? Integer.toString(layer) : asked + " (= " + layer + ")";
    }

    /** What {@code get} reads from the source; a missing name or a bad file is an error naming {@code field}. */
    private static <T> T lookup(String field, java.util.function.Supplier<T> get) {
        try {
            return get.get();
        } catch (VectorSource.NotFound e) {
            throw new SteeringSpecException(field, e.getMessage(), true, e);
        } catch (IllegalArgumentException e) {
            throw new SteeringSpecException(field, e.getMessage(), false, e);
        }
    }

    /** The vector, read and checked against the model's width. */
    private static SteeringVector vector(SteeringSpec.Ref ref, Model model, VectorSource source, SteeringFields f, Part part, int i) {
        String field = f.name(part, i, "vector");
        SteeringVector v = lookup(field, () -> source.get(ref));
        int dim = model.config().dim();
        if (v.dim() != dim)
            throw new SteeringSpecException(field, source.describe(ref) + " has n_embd " + v.dim() + " but model " + Steering.modelName(model) + " has " + dim);
        return v;
    }

    /** The vector's directions in the layer list: at least one, all inside the model, exactly one for a site without layers. */
    private static SortedMap<Integer, float[]> select(SteeringVector v, SteeringSpec.Ref ref, LayerList ls, HookSite site, Model model,
                                                      VectorSource source, SteeringFields f, Part part, int i) {
        SortedMap<Integer, float[]> sel = ls.select(v.layers());
        if (sel.isEmpty())
            throw new SteeringSpecException(f.name(part, i, "layers"), source.describe(ref) + " has no direction in layers " + ls + " (it has layers " + v.layers().keySet() + ")");
        if (!site.perLayer && sel.size() != 1)
            throw new SteeringSpecException(f.name(part, i, "site"), site.suffix + " has no layer, so the vector needs exactly one direction in the layers, but "
                    + source.describe(ref) + " has " + sel.keySet());
        if (!site.perLayer) return sel;
        int layers = model.config().layers();
        if (sel.lastKey() >= layers)
            throw new SteeringSpecException(f.name(part, i, ls.isAll() ? "vector" : "layers"), source.describe(ref) + " has a direction for layer " + sel.lastKey()
                    + " but model " + Steering.modelName(model) + " has layers 0-" + (layers - 1));
        return sel;
    }

    private static String conditionName(SteeringSpec.Ref ref) {
        if (ref.name() == null) return "inline";
        String n = ref.name();
        int slash = Math.max(n.lastIndexOf('/'), n.lastIndexOf('\\'));
        return slash >= 0 ? n.substring(slash + 1) : n;
    }
}
