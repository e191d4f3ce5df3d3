package dev.steer4j.cli;

import dev.steer4j.util.LayerList;
import picocli.CommandLine;

/** picocli's reader of {@code --layers}: the one layer-list grammar ({@code 3}, {@code 1-4}, {@code 1,3,5-7}, {@code all}). */
public final class LayerListConverter implements CommandLine.ITypeConverter<LayerList> {
    @Override
    public LayerList convert(String value) {
        try {
            return LayerList.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
