package dev.steer4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code steer4j} command line. Each subcommand lives in its own class. */
@Command(name = "steer4j",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Activation engineering for the JVM: run, read, steer and guard language models.",
        footer = {"", "Model families (GGUF general.architecture): llama, qwen2, gpt2, gemma2, phi3; gemma3, qwen3 described but untested "
                + "(docs/models.md). Example: steer4j inspect ../shared/reference/arch/gemma2.gguf"},
        subcommands = {
                DemoCommand.class,
                ExtractCommand.class,
                GenerateCommand.class,
                InspectCommand.class,
                LogitsCommand.class,
                CompareCommand.class,
                OrthogonalizeCommand.class,
                ActivationsCommand.class,
                BenchCommand.class,
                SynthCommand.class,
                SweepCommand.class,
                ReadCommand.class,
                LensCommand.class,
                CosineCommand.class,
                PatchCommand.class,
                DetectCommand.class,
                CaptureCommand.class,
                ServeCommand.class,
                SoakCommand.class,
                GuardCommand.class,
                MazeCommand.class,
                TrainVectorCommand.class,
                UnlearnCommand.class,
                CircuitBreakerCommand.class,
                ReftCommand.class,
                CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (used by tests too). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        Examples.install(cl);
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            System.out.flush();
            cmd.getErr().println("steer4j: " + Errors.describe(ex));
            if (Boolean.getBoolean("steer4j.debug")) ex.printStackTrace(cmd.getErr());
            return 1;
        });
        return cl.execute(args);
    }
}
