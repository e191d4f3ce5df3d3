package dev.steer4j.read;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * PNG charts drawn with JFreeChart: line charts of a metric against the steering coefficient (one series per layer),
 * scatter plots (the behaviour-vs-tax Pareto view) and heatmaps (patching, cosine matrices). Rendering is headless.
 */
public final class Charts {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** Series colours (colour-blind friendly, after Okabe & Ito). */
    static final Color[] PALETTE = {
            new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7),
            new Color(0xE69F00), new Color(0x56B4E9), new Color(0xF0E442), new Color(0x000000)};
    private static final Font TITLE = new Font("SansSerif", Font.BOLD, 16);
    private static final Font LABEL = new Font("SansSerif", Font.PLAIN, 13);
    private static final Font TICK = new Font("SansSerif", Font.PLAIN, 11);

    private Charts() {}

    /** One line of points: a name and its (x, y) values; {@code labels} (optional) annotate the points. */
    public record Series(String name, double[] x, double[] y, String[] labels) {
        public Series(String name, double[] x, double[] y) { this(name, x, y, null); }
    }

    /** A line chart of series against a shared x axis; {@code reference} (NaN for none) draws a dashed horizontal line. */
    public static JFreeChart lines(String title, String xLabel, String yLabel, List<Series> series, double reference, String referenceLabel) {
        XYPlot plot = linePlot(yLabel, series, true);
        plot.setDomainAxis(axis(xLabel, false));
        if (!Double.isNaN(reference)) {
            ValueMarker m = new ValueMarker(reference, Color.GRAY, new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[]{6f, 4f}, 0f));
            if (referenceLabel != null) {
                m.setLabel(referenceLabel);
                m.setLabelFont(TICK);
                m.setLabelPaint(Color.DARK_GRAY);
                m.setLabelAnchor(org.jfree.chart.ui.RectangleAnchor.TOP_LEFT);
                m.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
            }
            plot.addRangeMarker(m);
        }
        return chart(title, plot, true);
    }

    /** Several line panels stacked over one shared x axis. */
    public static JFreeChart stacked(String title, String xLabel, Map<String, List<Series>> panels) {
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(axis(xLabel, false));
        plot.setGap(12);
        boolean first = true;
        for (var e : panels.entrySet()) {
            XYPlot p = linePlot(e.getKey(), e.getValue(), true);
            if (!first) p.getRenderer().setDefaultSeriesVisibleInLegend(false);
            first = false;
            plot.add(p, 1);
        }
        return chart(title, plot, true);
    }

    /** A scatter plot; each series' points are joined in order when {@code join}, and labelled when it has labels. */
    public static JFreeChart scatter(String title, String xLabel, String yLabel, List<Series> series, boolean join) {
        XYPlot plot = linePlot(yLabel, series, join);
        plot.setDomainAxis(axis(xLabel, false));
        for (int s = 0; s < series.size(); s++) {
            Series sr = series.get(s);
            if (sr.labels() == null) continue;
            for (int i = 0; i < sr.x().length; i++) {
                if (sr.labels()[i] == null || !Double.isFinite(sr.x()[i]) || !Double.isFinite(sr.y()[i])) continue;
                XYTextAnnotation a = new XYTextAnnotation(sr.labels()[i], sr.x()[i], sr.y()[i]);
                a.setFont(new Font("SansSerif", Font.PLAIN, 9));
                a.setPaint(PALETTE[s % PALETTE.length].darker());
                a.setTextAnchor(TextAnchor.BOTTOM_LEFT);
                plot.addAnnotation(a);
            }
        }
        return chart(title, plot, true);
    }

    /**
     * A heatmap of {@code values[row][col]} with category labels on both axes. Colours are diverging around 0
     * (blue negative, white 0, red positive) over [-limit, limit]; NaN cells are grey.
     */
    public static JFreeChart heatmap(String title, String xLabel, String yLabel, List<String> colLabels, List<String> rowLabels,
                                     double[][] values, double limit, String scaleLabel) {
        int rows = rowLabels.size(), cols = colLabels.size();
        double[] xs = new double[rows * cols], ys = new double[rows * cols], zs = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                xs[i] = c;
                ys[i] = r;
                zs[i] = values[r][c];
            }
        }
        DefaultXYZDataset ds = new DefaultXYZDataset();
        ds.addSeries("values", new double[][]{xs, ys, zs});
        SymbolAxis x = new SymbolAxis(xLabel, colLabels.toArray(String[]::new));
        x.setTickLabelFont(TICK);
        x.setLabelFont(LABEL);
        x.setVerticalTickLabels(cols > 8);
        x.setGridBandsVisible(false);
        SymbolAxis y = new SymbolAxis(yLabel, rowLabels.toArray(String[]::new));
        y.setTickLabelFont(TICK);
        y.setLabelFont(LABEL);
        y.setInverted(true);
        y.setGridBandsVisible(false);
        XYBlockRenderer r = new XYBlockRenderer();
        double lim = limit > 0 && Double.isFinite(limit) ? limit : 1;
        Diverging scale = new Diverging(lim);
        r.setPaintScale(scale);
        XYPlot plot = new XYPlot(ds, x, y, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
        JFreeChart chart = chart(title, plot, false);
        NumberAxis sa = new NumberAxis(scaleLabel);
        sa.setRange(-lim, lim);
        sa.setTickLabelFont(TICK);
        sa.setLabelFont(LABEL);
        PaintScaleLegend legend = new PaintScaleLegend(scale, sa);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setAxisLocation(AxisLocation.TOP_OR_RIGHT);
        legend.setMargin(new RectangleInsets(10, 10, 10, 10));
        legend.setStripWidth(14);
        legend.setBackgroundPaint(Color.WHITE);
        chart.addSubtitle(legend);
        return chart;
    }

    /** Blue (−limit) → white (0) → red (+limit). */
    static final class Diverging implements PaintScale {
        private final double limit;

        Diverging(double limit) { this.limit = limit; }

        @Override public double getLowerBound() { return -limit; }
        @Override public double getUpperBound() { return limit; }

        @Override
        public Paint getPaint(double v) {
            return color(v, limit);
        }
    }

    /** The diverging colour of a value (shared with the HTML heatmaps). */
    public static Color color(double v, double limit) {
        if (Double.isNaN(v)) return new Color(0xDDDDDD);
        double t = Math.max(-1, Math.min(1, v / limit));
        Color end = t >= 0 ? new Color(0xB2182B) : new Color(0x2166AC);
        double a = Math.abs(t);
        return new Color((int) Math.round(255 + (end.getRed() - 255) * a), (int) Math.round(255 + (end.getGreen() - 255) * a),
                (int) Math.round(255 + (end.getBlue() - 255) * a));
    }

    /** The CSS hex form of {@link #color(double, double)}. */
    public static String css(double v, double limit) {
        Color c = color(v, limit);
        return String.format("#%02x%02x%02x", c.getRed(), c.getGreen(), c.getBlue());
    }

    private static XYPlot linePlot(String yLabel, List<Series> series, boolean join) {
        XYSeriesCollection ds = new XYSeriesCollection();
        for (Series s : series) {
            XYSeries xs = new XYSeries(s.name(), false, true);
            for (int i = 0; i < s.x().length; i++) xs.add(s.x()[i], Double.isFinite(s.y()[i]) ? s.y()[i] : Double.NaN);
            ds.addSeries(xs);
        }
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(join, true);
        for (int i = 0; i < series.size(); i++) {
            r.setSeriesPaint(i, series.get(i).name().startsWith("Pareto") ? Color.BLACK : PALETTE[i % PALETTE.length]);
            r.setSeriesStroke(i, new BasicStroke(2f));
        }
        NumberAxis y = axis(yLabel, true);
        XYPlot plot = new XYPlot(ds, null, y, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xDDDDDD));
        plot.setRangeGridlinePaint(new Color(0xDDDDDD));
        plot.setOutlineVisible(false);
        return plot;
    }

    private static NumberAxis axis(String label, boolean range) {
        NumberAxis a = new NumberAxis(label);
        a.setLabelFont(LABEL);
        a.setTickLabelFont(TICK);
        a.setAutoRangeIncludesZero(false);
        return a;
    }

    private static JFreeChart chart(String title, org.jfree.chart.plot.Plot plot, boolean legend) {
        JFreeChart c = new JFreeChart(title, TITLE, plot, legend);
        c.setBackgroundPaint(Color.WHITE);
        c.setAntiAlias(true);
        c.setTextAntiAlias(true);
        if (c.getLegend() != null) {
            c.getLegend().setFrame(BlockBorder.NONE);
            c.getLegend().setItemFont(TICK);
        }
        c.setPadding(new RectangleInsets(6, 6, 6, 12));
        return c;
    }

    /** The chart as PNG bytes. */
    public static byte[] png(JFreeChart chart, int width, int height) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ChartUtils.writeChartAsPNG(out, chart, width, height);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the chart as PNG and returns its bytes. */
    public static byte[] writePng(JFreeChart chart, int width, int height, Path file) {
        byte[] b = png(chart, width, height);
        try {
            Files.write(file, b);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return b;
    }

    /** A {@code data:} URI of PNG bytes, for self-contained HTML. */
    public static String dataUri(byte[] png) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }

    /** Adds a small grey line of text under the title. */
    public static void subtitle(JFreeChart c, String text) {
        TextTitle t = new TextTitle(text, TICK);
        t.setPaint(Color.DARK_GRAY);
        c.addSubtitle(t);
    }
}
