package dev.steer4j.util;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/** The one layer-list grammar: 3, 1-4, 1,3,5-7, all; its errors; its checks against a model. */
class LayerListTest {
    private static String error(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void parsesEveryForm() {
        assertArrayEquals(new int[]{3}, LayerList.parse("3").resolve(5));
        assertArrayEquals(new int[]{1, 2, 3, 4}, LayerList.parse("1-4").resolve(5));
        assertArrayEquals(new int[]{0, 1, 3, 4}, LayerList.parse("0,1,3-4").resolve(5));
        assertArrayEquals(new int[]{0, 2, 3, 5}, LayerList.parse(" 0, 2-3 ,5,2").resolve(6));
        assertArrayEquals(new int[]{0, 1, 2, 3, 4}, LayerList.parse("all").resolve(5));
        assertTrue(LayerList.parse("ALL").isAll());
        assertEquals("1-4,6", LayerList.parse("6,1-4").toString());
        assertEquals("2-", LayerList.range(2, Integer.MAX_VALUE).toString());
        assertEquals(LayerList.parse("1,2,3"), LayerList.range(1, 3));
        assertEquals(List.of(1, 3), LayerList.parse("1,3").orElse(List.of(0, 1, 2)));
        assertEquals(List.of(0, 1, 2), LayerList.ALL.orElse(List.of(0, 1, 2)));
    }

    @Test
    void selectsTheLayersOfAVector() {
        TreeMap<Integer, String> v = new TreeMap<>();
        for (int l = 1; l <= 4; l++) v.put(l, "d" + l);
        assertEquals(List.of(2, 4), List.copyOf(LayerList.parse("0,2,4-7").select(v).keySet()));
        assertEquals(List.of(1, 2, 3, 4), List.copyOf(LayerList.ALL.select(v).keySet()));
        assertTrue(LayerList.parse("5-6").select(v).isEmpty());
        assertTrue(LayerList.parse("1,3").contains(3));
        assertFalse(LayerList.parse("1,3").contains(2));
    }

    @Test
    void errorsSayWhatIsWrong() {
        assertEquals("layer 5 does not exist (the model has layers 0-4)", error(() -> LayerList.parse("1-5").resolve(5)));
        assertEquals("'x' is not a layer list: 'x' is not a layer or a range like 1-4 or -3--1 (expected a layer list such as 3, 1-4, 1,3,5-7, -1 (the last layer), -3--1 or all)",
                error(() -> LayerList.parse("x")));
        assertEquals("'1-a' is not a layer list: '1-a' is not a layer or a range like 1-4 or -3--1 (expected a layer list such as 3, 1-4, 1,3,5-7, -1 (the last layer), -3--1 or all)",
                error(() -> LayerList.parse("1-a")));
        assertEquals("'4-2': the range '4-2' runs backwards", error(() -> LayerList.parse("4-2")));
        assertEquals("'1,' is not a layer list: '' is not a layer or a range like 1-4 or -3--1 (expected a layer list such as 3, 1-4, 1,3,5-7, -1 (the last layer), -3--1 or all)",
                error(() -> LayerList.parse("1,")));
        assertEquals("the layer list is empty (expected a layer list such as 3, 1-4, 1,3,5-7, -1 (the last layer), -3--1 or all)", error(() -> LayerList.parse(" ")));
    }

    @Test
    void negativeIndicesCountFromTheEnd() {
        assertArrayEquals(new int[]{4}, LayerList.parse("-1").within(5).resolve(5));
        assertArrayEquals(new int[]{2, 3, 4}, LayerList.parse("-3--1").within(5).resolve(5));
        assertArrayEquals(new int[]{2, 3, 4}, LayerList.parse("2--1").resolve(5));
        assertArrayEquals(new int[]{0, 3, 4}, LayerList.parse("0,-2,-1").within(5).resolve(5));
        assertEquals(LayerList.parse("1-3"), LayerList.parse("-4--2").within(5));
        assertEquals("-3--1", LayerList.parse("-3--1").toString());
        assertTrue(LayerList.parse("-1").isRelative());
        assertFalse(LayerList.parse("-1").within(5).isRelative());
        LayerList plain = LayerList.parse("1-2");
        assertSame(plain, plain.within(5));
        assertEquals(4, LayerList.index(-1, 5));
        assertEquals(0, LayerList.index(-5, 5));
        assertEquals(3, LayerList.index(3, 5));
    }

    @Test
    void negativeIndicesOutsideTheModelOrBackwardsAreRefused() {
        assertEquals("layer -6 does not exist (the model has 5 layers: counting from the end, -1 is the last and -5 the first)",
                error(() -> LayerList.parse("-6").within(5)));
        assertEquals("layer 5 does not exist (the model has layers 0-4)", error(() -> LayerList.parse("5--1").within(5)));
        assertEquals("'-1--3': the range '-1--3' runs backwards", error(() -> LayerList.parse("-1--3")));
        assertEquals("'4--3': the range '4--3' is layers 4 to 2 on a model with 5 layers, which runs backwards",
                error(() -> LayerList.parse("4--3").within(5)));
        IllegalStateException unresolved = assertThrows(IllegalStateException.class, () -> LayerList.parse("-2").select(new TreeMap<Integer, String>()));
        assertEquals("layer list '-2' has negative indices: resolve it with within(layerCount) first", unresolved.getMessage());
    }
}
