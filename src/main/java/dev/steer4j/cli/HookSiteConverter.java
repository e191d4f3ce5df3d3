package dev.steer4j.cli;

import dev.steer4j.runtime.HookSite;
import picocli.CommandLine;

/**
 * picocli's reader of {@code --site} in the reading commands: {@code resid_post}, {@code hook_resid_post} and
 * {@code blocks.L.hook_resid_post} all name the same per-layer site ({@link HookSite#parsePerLayer}).
 */
public final class HookSiteConverter implements CommandLine.ITypeConverter<HookSite> {
    @Override
    public HookSite convert(String value) {
        try {
            return HookSite.parsePerLayer(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
