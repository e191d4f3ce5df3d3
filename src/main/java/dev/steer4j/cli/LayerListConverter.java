package dev.steer4j.cli;

import dev.steer4j.util.LayerList;
import picocli.CommandLine;

/**
 * picocli's reader of {@code --layers}: the one layer-list grammar ({@code 3}, {@code 1-4}, {@code 1,3,5-7}, {@code all},
 * negative indices from the end: {@code -1}, {@code -3--1}). Negative indices are resolved by {@link #within} once the
 * model is loaded.
 */
public final class LayerListConverter implements CommandLine.ITypeConverter<LayerList> {
    @Override
    public LayerList convert(String value) {
        try {
            return LayerList.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /** The list against the loaded model's layer count, an error naming {@code option} when an index does not fit. */
    public static LayerList within(LayerList layers, int layerCount, String option) {
        try {
            return layers.within(layerCount);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }

    /** One layer index of {@code option} (negative counts from the end) against the loaded model. */
    public static int index(int layer, int layerCount, String option) {
        try {
            return LayerList.index(layer, layerCount);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }
}
