package dev.steer4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code steer4j maze}: the cheese-vector experiment on a procgen Maze policy (a CNN, not a language model). */
@Command(name = "maze", mixinStandardHelpOptions = true,
        description = {"Steer a procgen Maze policy (IMPALA CNN) with the cheese vector (Turner et al.).",
                "The policy checkpoint is a file you supply (a torch.save .pth or a .safetensors state dict); steer4j ships none."},
        subcommands = {MazeShowCommand.class, MazeVectorCommand.class, MazeEvalCommand.class, MazeRolloutCommand.class})
public final class MazeCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() { spec.commandLine().usage(System.out); }
}
