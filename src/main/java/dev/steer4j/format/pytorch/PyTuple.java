package dev.steer4j.format.pytorch;

import java.util.List;

/** A Python tuple as the unpickler sees it (kept apart from lists so that argument tuples are recognisable). */
public record PyTuple(List<Object> items) {
    public PyTuple { items = List.copyOf(items.stream().map(o -> o == null ? PyNone.NONE : o).toList()); }

    public int size() { return items.size(); }

    public Object get(int i) {
        Object o = items.get(i);
        return o == PyNone.NONE ? null : o;
    }
}
