package io.raftd.man;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.moandjiezana.toml.Toml;
import io.raftd.config.ConfigKeys;
import io.raftd.ctl.Main;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The pages this build rendered (target/troff) against what they document: raftctl's command tree, raftd's
 * options and exit codes, raftd.toml's keys. A command, option or key added without its page fails here.
 */
class ManDriftTest {
  private static Map<String, ManPage> pages;

  @BeforeAll
  static void readPages() throws IOException {
    pages = ManPage.readAll(Path.of(System.getProperty("man.troff", "target/troff")));
  }

  @Test
  void everyRaftctlCommandOptionArgumentAndExitCodeIsOnItsPage() {
    assertEquals(List.of(), DriftCheck.commands(Main.commandTree().getCommandSpec(), 1, pages));
  }

  @Test
  void theRaftctlPagesAreOnePerCommandAndNoMore() {
    Set<String> expected = new TreeSet<>();
    collect(Main.commandTree().getCommandSpec(), expected);
    Set<String> rendered = new TreeSet<>(pages.keySet());
    rendered.removeIf(name -> !name.startsWith("raftctl"));
    assertEquals(expected, rendered);
    // The groups the packages promise a page each (issue 16), and the tree is not empty.
    assertTrue(rendered.containsAll(Set.of("raftctl.1", "raftctl-member.1", "raftctl-snapshot.1", "raftctl-log.1",
        "raftctl-wal.1", "raftctl-leader.1")), rendered::toString);
  }

  private static void collect(CommandSpec spec, Set<String> files) {
    files.add(spec.qualifiedName("-") + ".1");
    for (CommandLine sub : spec.subcommands().values()) {
      if (!sub.getCommandSpec().usageMessage().hidden()) {
        collect(sub.getCommandSpec(), files);
      }
    }
  }

  @Test
  void raftdsOptionsAndExitCodesAreInRaftd8() {
    CommandSpec raftd = new CommandLine(new io.raftd.daemon.Main()).getCommandSpec();
    assertEquals(List.of(), DriftCheck.commands(raftd, 8, pages));
  }

  @Test
  void everyRaftdTomlKeyIsATermOfRaftdToml5() {
    ManPage page = pages.get("raftd.toml.5");
    assertTrue(page != null, "no raftd.toml.5 in " + pages.keySet());
    assertEquals(List.of(), DriftCheck.configKeys(ConfigKeys.byTable(), page));
  }

  @Test
  void raftdToml5StatesTheDefaultsOfTheCommentedExample() {
    Map<String, Object> example = new Toml().read(Path.of(System.getProperty("man.example",
        "../raftd/src/dist/raftd.toml")).toFile()).toMap();
    ManPage page = pages.get("raftd.toml.5");
    assertEquals(List.of(), DriftCheck.configDefaults(ConfigKeys.byTable(), example, page));
    // What the comparison rests on: the example has the tables, and the page the definitions.
    assertTrue(example.containsKey("raft") && page.definition("raft.heartbeat_ms") != null, example::toString);
  }
}
