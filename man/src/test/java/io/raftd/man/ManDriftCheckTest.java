package io.raftd.man;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The drift check itself, on small pages made here: it names what a page lacks, and prose does not count. */
class ManDriftCheckTest {
  @Command(name = "tool", subcommands = Sub.class, exitCodeList = {"0:ok", "4:unavailable"})
  static final class Tool {
    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT")
    String output;
  }

  @Command(name = "sub")
  static final class Sub {
    @Option(names = "--peer", paramLabel = "HOST:PORT")
    String peer;

    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--secret", hidden = true)
    boolean secret;
  }

  private static final String TOOL = page("TOOL", "1",
      section("OPTIONS", item("\\fB\\-o\\fP, \\fB\\-\\-output\\fP=\\fIFORMAT\\fP")),
      section("COMMANDS", item("\\fBsub\\fP")),
      section("EXIT STATUS", item("\\fB0\\fP") + item("\\fB4\\fP")));

  private static CommandSpec tool() {
    return new CommandLine(new Tool()).getCommandSpec();
  }

  @Test
  void completePagesHaveNothingMissing() {
    String sub = page("TOOL\\-SUB", "1", section("OPTIONS", item("\\fB\\-\\-peer\\fP=\\fIHOST:PORT\\fP")),
        section("ARGUMENTS", item("[\\fINAME\\fP]")));
    assertEquals(List.of(), DriftCheck.commands(tool(), 1, pages(TOOL, sub)));
  }

  @Test
  void anOptionOnlyInProseIsMissing() {
    String sub = page("TOOL\\-SUB", "1",
        section("DESCRIPTION", "Connects to \\fB\\-\\-peer\\fP, when given.\n"),
        section("OPTIONS", ""),
        section("ARGUMENTS", item("\\fINAME\\fP")));
    assertEquals(List.of("tool sub: option --peer is not in OPTIONS of tool-sub.1"),
        DriftCheck.commands(tool(), 1, pages(TOOL, sub)));
  }

  @Test
  void aMissingPageACommandAndAnExitCodeAreEachNamed() {
    String tool = page("TOOL", "1",
        section("OPTIONS", item("\\fB\\-o\\fP, \\fB\\-\\-output\\fP=\\fIFORMAT\\fP")),
        section("EXIT STATUS", item("\\fB0\\fP")));
    assertEquals(List.of("tool: exit code 4 is not in EXIT STATUS of tool.1",
        "tool: command sub is not in COMMANDS of tool.1", "tool sub: no page tool-sub.1"),
        DriftCheck.commands(tool(), 1, pages(tool)));
  }

  @Test
  void aConfigKeyIsATermNotAMention() {
    String toml = page("RAFTD.TOML", "5",
        section("KEYS", ".SS \"[raft]\"\n"
            + "In this table, raft.election_timeout_ms bounds elections.\n"
            + item("\\fBraft.heartbeat_ms\\fP = \\fIinteger\\fP")
            + item("\\fBcluster.members[].name\\fP")
            + item("\\fBname\\fP")));
    Map<String, List<String>> keys = Map.of("", List.of("name", "raft"),
        "raft", List.of("heartbeat_ms", "election_timeout_ms"), "cluster.members", List.of("name"));
    assertEquals(List.of("raftd.toml: key raft.election_timeout_ms is not a term of raftd.toml.5"),
        DriftCheck.configKeys(keys, ManPage.parse("raftd.toml.5", toml)).stream().sorted().toList());
  }

  @Test
  void aDefaultThePageGetsWrongOrLeavesOutIsNamed() {
    String toml = page("RAFTD.TOML", "5", section("KEYS",
        item("\\fBname\\fP", "String; required.")
            + item("\\fBraft.heartbeat_ms\\fP", "Integer (ms); default \\fB200\\fP; 10..10000.")
            + item("\\fBraft.max_inflight\\fP", "Integer; 1..10000.")
            + item("\\fBraft.max_entry_bytes\\fP", "Integer; default \\fB10485760\\fP.")
            + item("\\fBwal.fsync\\fP", "String; default \\fB\"always\"\\fP.")
            + item("\\fBraft.election_timeout_ms\\fP", "Array; default \\fB[1000, 2000]\\fP.")));
    Map<String, List<String>> keys = new LinkedHashMap<>();
    keys.put("", List.of("name", "raft", "wal"));
    keys.put("raft", List.of("heartbeat_ms", "election_timeout_ms", "max_inflight", "max_entry_bytes"));
    keys.put("wal", List.of("fsync"));
    Map<String, Object> example = Map.of("name", "n1", "wal", Map.of("fsync", "always"),
        "raft", Map.of("heartbeat_ms", 100L, "election_timeout_ms", List.of(1000L, 2000L), "max_inflight", 256L,
            "max_entry_bytes", 1048576L));
    assertEquals(List.of(
        "raftd.toml: raft.heartbeat_ms does not say default 100 in raftd.toml.5: Integer (ms); default 200; 10..10000.",
        "raftd.toml: raft.max_inflight does not say default 256 in raftd.toml.5: Integer; 1..10000.",
        "raftd.toml: raft.max_entry_bytes does not say default 1048576 in raftd.toml.5: Integer; default 10485760."),
        DriftCheck.configDefaults(keys, example, ManPage.parse("raftd.toml.5", toml)));
  }

  @Test
  void termsReadAsPlainText() {
    ManPage p = ManPage.parse("x.1", page("X", "1", section("OPTIONS",
        item("\\fB\\-o\\fP, \\fB\\-\\-output\\fP=\\fItable|json\\fP") + item("it\\*(Aqs \\(lqquoted\\(rq"))));
    assertEquals(List.of("-o, --output=table|json", "it's \"quoted\""), p.terms("OPTIONS"));
  }

  private static Map<String, ManPage> pages(String... troff) {
    Map<String, ManPage> byFile = new LinkedHashMap<>();
    for (String t : troff) {
      String th = t.substring(t.indexOf(".TH \"") + 5);
      String file = th.substring(0, th.indexOf('"')).replace("\\-", "-").toLowerCase() + ".1";
      byFile.put(file, ManPage.parse(file, t));
    }
    return byFile;
  }

  private static String page(String title, String section, String... sections) {
    return ".TH \"" + title + "\" \"" + section + "\" \"2026-12-07\"\n" + String.join("", sections);
  }

  private static String section(String title, String body) {
    return ".SH \"" + title + "\"\n" + body;
  }

  /** A list item as Asciidoctor's manpage backend writes one. */
  private static String item(String term) {
    return item(term, "what it is");
  }

  private static String item(String term, String definition) {
    return ".sp\n" + term + "\n.RS 4\n" + definition + "\n.RE\n";
  }
}
