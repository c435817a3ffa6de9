package io.djinn;

import io.djinn.common.DjlEnvironment;
import io.djinn.common.StartupClock;
import io.djinn.checkpoint.CheckpointOptions;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.util.Arrays;

/**
 * {@code java -jar quarkus-run.jar [command]}: with no command (or {@code serve}) runs the server;
 * {@code generate-checkpoint} writes a checkpoint without starting Quarkus. Benchmarks live in the tools jar.
 */
@QuarkusMain
public class Main {

    public static void main(String... args) throws Exception {
        StartupClock.mainEntered();
        DjlEnvironment.init();
        String command = args.length == 0 ? "serve" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        if (command.equals("serve")) {
            ServeOptions options;
            try {
                options = ServeOptions.parse(rest);
            } catch (IllegalArgumentException e) {
                System.err.println("serve: " + e.getMessage());
                System.exit(2);
                return;
            }
            if (options.help()) {
                System.out.print(ServeOptions.USAGE);
                System.exit(0);
            }
            options.apply();
            Quarkus.run();
            return;
        }
        int status = 0;
        try {
            switch (command) {
                case "generate-checkpoint" -> {
                    if (Arrays.asList(rest).contains("--help") || Arrays.asList(rest).contains("-h")) {
                        System.out.println("usage: djinn generate-checkpoint --out DIR [options]\n\n"
                                + CheckpointOptions.USAGE);
                    } else {
                        CheckpointOptions.generate(CheckpointOptions.parse(rest));
                    }
                }
                case "help", "--help", "-h" -> usage();
                default -> {
                    System.err.println("unknown command '" + command + "'");
                    usage();
                    status = 2;
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println(command + ": " + e.getMessage());
            status = 2;
        } catch (Exception e) {
            e.printStackTrace();
            status = 1;
        }
        System.exit(status);
    }

    private static void usage() {
        System.out.println("""
                usage: java -jar server/target/quarkus-app/quarkus-run.jar [command] [options]

                  serve                      run the server (default); serve --help lists its options
                """ + CheckpointOptions.USAGE);
    }
}
