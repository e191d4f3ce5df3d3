package dev.steer4j.cnn;

/** IMPALA's residual block: {@code x + conv2(relu(conv1(relu(x))))}, both convolutions 3×3 with the same channels. */
public final class ResidualBlock {
    final Conv3x3 conv1, conv2;
    final int conv1Hook, conv2Hook, resaddHook;

    ResidualBlock(Conv3x3 conv1, Conv3x3 conv2, int conv1Hook, int conv2Hook, int resaddHook) {
        this.conv1 = conv1;
        this.conv2 = conv2;
        this.conv1Hook = conv1Hook;
        this.conv2Hook = conv2Hook;
        this.resaddHook = resaddHook;
    }

    float[] forward(float[] x, int h, int w, CnnHooks hooks) {
        float[] t = conv1.forward(CnnKernels.reluCopy(x), h, w);
        if (hooks != null) hooks.run(conv1Hook, t);
        CnnKernels.relu(t);
        t = conv2.forward(t, h, w);
        if (hooks != null) hooks.run(conv2Hook, t);
        CnnKernels.addInPlace(t, x);
        if (hooks != null) hooks.run(resaddHook, t);
        return t;
    }
}
