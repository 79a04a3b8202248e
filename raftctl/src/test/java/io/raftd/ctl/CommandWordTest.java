package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A one-shot command line gets only its own command's model (picocli builds the model of every command it is
 * given, which was most of raftctl's start): the command is found past the global options and their values;
 * anything else (no command, a mistyped one, help) gets the whole tree.
 */
class CommandWordTest {
  @Test
  void theCommandIsFoundPastTheGlobalOptionsAndTheirValues() {
    assertEquals(KvCommands.Get.class, CommandWord.of("get", "k"));
    assertEquals(KvCommands.Get.class, CommandWord.of("--endpoints", "127.0.0.1:7200", "-o", "json", "get", "k"));
    assertEquals(StatusCommand.class, CommandWord.of("--endpoints=127.0.0.1:7200", "-ojson", "--debug", "status"));
    assertEquals(MemberCommand.class, CommandWord.of("--token-file", "put", "member", "list"),
        "put is --token-file's value here, not the command");
    assertEquals(SnapshotCommand.class, CommandWord.of("--cacert", "ca.crt", "--timeout", "5s", "snapshot", "list"));
  }

  @Test
  void anythingElseNamesNoCommand() {
    assertNull(CommandWord.of());
    assertNull(CommandWord.of("--help"));
    assertNull(CommandWord.of("gett", "k"), "a mistyped command: the whole tree suggests the right one");
    assertNull(CommandWord.of("--", "get"));
    assertNull(CommandWord.of("--endpoints", "127.0.0.1:7200"));
  }

  @Test
  void aOneShotCommandLineHoldsOnlyItsCommandAndTheShellAndHelpHoldEveryOne() {
    PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    Raftctl.Io io = new Raftctl.Io(new ByteArrayInputStream(new byte[0]), sink, sink, Map.of(), false, false);
    assertEquals(List.of("get"), List.copyOf(Main.commandLine(new Raftctl(io), CommandWord.of("get", "k"))
        .getSubcommands().keySet()));
    for (String[] all : new String[][] {{"help", "get"}, {"shell"}, {"completion", "bash"}, {}}) {
      assertEquals(Raftctl.COMMANDS.size(), Main.commandLine(new Raftctl(io), CommandWord.of(all))
          .getSubcommands().size(), String.join(" ", all));
    }
  }
}
