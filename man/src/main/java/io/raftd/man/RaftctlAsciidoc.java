package io.raftd.man;

import io.raftd.ctl.Main;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.UsageMessageSpec;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * Writes raftctl's man pages as AsciiDoc, one per command at every level (raftctl.adoc, raftctl-member.adoc,
 * raftctl-member-add.adoc, ...), with picocli's generator, from the command tree raftctl itself runs: a command
 * or option added to raftctl is in the pages of the next build. Hidden commands and options stay out, as they do
 * of --help. Build time only (the man module's process-classes); arguments: the output directory, the version.
 */
public final class RaftctlAsciidoc {
  private RaftctlAsciidoc() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: RaftctlAsciidoc OUTPUT_DIR VERSION");
    }
    CommandLine raftctl = Main.commandTree();
    forPages(raftctl.getCommandSpec(), "raftctl " + args[1]);
    int exit = ManPageGenerator.generateManPage(new File(args[0]), null, new boolean[0], true,
        raftctl.getCommandSpec());
    if (exit != CommandLine.ExitCode.OK) {
      throw new IOException("the man page generator exited " + exit);
    }
  }

  /**
   * What differs between a man page and --help, set on every command of this tree (which only the generator
   * reads): the version, the exit codes' heading, a short summary, paragraphs, and SEE ALSO in place of --help's
   * footer.
   */
  private static void forPages(CommandSpec spec, String version) {
    // raftctl reports the version in its jar's manifest, which a build from target/classes lacks: the pages say
    // the version being built, whichever classpath this runs from.
    spec.versionProvider(() -> new String[] {version});
    UsageMessageSpec usage = spec.usageMessage();
    // A man page's section is EXIT STATUS (man-pages(7)); --help's heading is "Exit codes:".
    usage.exitCodeListHeading("Exit status");
    if (usage.header().length == 0 && usage.description().length > 0) {
      usage.header(summary(usage.description()[0]));
    }
    usage.description(paragraphs(usage.description()));
    usage.footerHeading("See also");
    usage.footer(seeAlso(spec));
    for (CommandLine sub : spec.subcommands().values()) {
      forPages(sub.getCommandSpec(), version);
    }
  }

  /**
   * The line a page's NAME section and its parent's COMMANDS give the command (whatis and apropos show it): the
   * description's first sentence or clause, cut at the first ". ", ": " or "; " outside parentheses, as
   * "Measures the cluster" of "Measures the cluster: --clients N clients, ...". The description says it all.
   */
  static String summary(String description) {
    int depth = 0;
    for (int i = 0; i + 1 < description.length(); i++) {
      char c = description.charAt(i);
      depth += c == '(' ? 1 : c == ')' ? -1 : 0;
      boolean stop = (c == ':' || c == ';' || c == '.') && description.charAt(i + 1) == ' ';
      if (stop && depth == 0 && !description.startsWith("e.g.", i - 3) && !description.startsWith("i.e.", i - 3)) {
        return description.substring(0, i);
      }
    }
    return description.endsWith(".") ? description.substring(0, description.length() - 1) : description;
  }

  /**
   * The pages a reader of this one goes to next: the command above it, those below (the generator lists them in
   * COMMANDS, but not as pages), raftctl's own, and the daemon's.
   */
  private static String seeAlso(CommandSpec spec) {
    List<String> pages = new ArrayList<>();
    if (spec.parent() != null && spec.parent().parent() != null) {
      pages.add(page(spec.parent()));
    }
    for (CommandLine sub : spec.subcommands().values()) {
      if (!sub.getCommandSpec().usageMessage().hidden()) {
        pages.add(page(sub.getCommandSpec()));
      }
    }
    if (spec.parent() != null) {
      pages.add(page(spec.root()));
    }
    pages.add("*raftd*(8)");
    pages.add("*raftd.toml*(5)");
    return String.join(", ", pages);
  }

  private static String page(CommandSpec spec) {
    return "*" + spec.qualifiedName("-") + "*(1)";
  }

  /**
   * Each element of a description is a paragraph of --help; the generator joins them with line breaks, which
   * AsciiDoc reads as one paragraph. A blank line between them keeps them apart.
   */
  private static String[] paragraphs(String[] description) {
    List<String> out = new ArrayList<>();
    for (String paragraph : description) {
      if (!out.isEmpty()) {
        out.add("");
      }
      out.add(paragraph);
    }
    return out.toArray(String[]::new);
  }
}
