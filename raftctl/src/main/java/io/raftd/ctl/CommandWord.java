package io.raftd.ctl;

import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The command a command line runs, found from the annotations alone: picocli would build the model of every
 * command (reflecting over each class and option) before parsing, which was most of a one-shot command's
 * time. Skips the global options, and the value of each that takes one.
 */
final class CommandWord {
  /** raftctl's commands by name and alias. */
  private static final Map<String, Class<?>> BY_NAME = byName();
  /** The global options that take a value, as written without {@code =} (--endpoints X, -o json). */
  private static final Set<String> TAKE_A_VALUE = takeAValue();

  private CommandWord() {}

  /**
   * The command {@code args} names, or null when they name none of raftctl's commands: no command (the shell,
   * script mode), a mistyped one (the whole tree suggests the right one), {@code --help}, {@code --version}.
   */
  static Class<?> of(String... args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--")) {
        return null;
      }
      if (!a.startsWith("-")) {
        return BY_NAME.get(a);
      }
      if (TAKE_A_VALUE.contains(a)) {
        i++;
      }
    }
    return null;
  }

  private static Map<String, Class<?>> byName() {
    Map<String, Class<?>> commands = new HashMap<>();
    for (Class<?> c : Raftctl.COMMANDS) {
      Command command = c.getAnnotation(Command.class);
      commands.put(command.name(), c);
      for (String alias : command.aliases()) {
        commands.put(alias, c);
      }
    }
    return commands;
  }

  private static Set<String> takeAValue() {
    Set<String> names = new HashSet<>();
    for (Field f : Raftctl.class.getDeclaredFields()) {
      Option option = f.getAnnotation(Option.class);
      if (option != null && f.getType() != boolean.class) {
        names.addAll(List.of(option.names()));
      }
    }
    return names;
  }
}
