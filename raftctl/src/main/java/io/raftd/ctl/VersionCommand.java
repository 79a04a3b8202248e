package io.raftd.ctl;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.raftd.client.RaftdException;
import io.raftd.proto.MemberStatus;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code raftctl version}: this tool's version and, when reachable, every member's. */
@Command(name = "version", description = "Prints raftctl's version and each reachable member's.")
final class VersionCommand extends CtlCommand {
  static final String CLIENT_VERSION = clientVersion();

  private static String clientVersion() {
    String v = VersionCommand.class.getPackage().getImplementationVersion();
    return v != null ? v : "dev";
  }

  @Override
  int run(Raftctl ctl) throws Exception {
    Cluster cluster = null;
    String why = null;
    try {
      cluster = Cluster.ask(ctl.connection());
    } catch (RaftdException e) {
      why = e.getMessage();
    }
    Output out = ctl.output();
    if (out.json) {
      JsonObject o = new JsonObject();
      o.addProperty("client", CLIENT_VERSION);
      JsonArray servers = new JsonArray();
      if (cluster != null) {
        for (MemberStatus m : cluster.members()) {
          JsonObject s = new JsonObject();
          s.addProperty("name", m.getMember().getName());
          s.addProperty("reachable", m.getReachable());
          s.addProperty("version", m.getReachable() ? m.getStatus().getVersion() : null);
          servers.add(s);
        }
      }
      o.add("servers", servers);
      o.addProperty("error", why);
      out.json(o);
    } else {
      out.line("raftctl " + CLIENT_VERSION);
      if (cluster != null) {
        List<List<String>> rows = new ArrayList<>();
        for (MemberStatus m : cluster.members()) {
          rows.add(List.of(m.getMember().getName(), m.getReachable() ? m.getStatus().getVersion() : "unreachable"));
        }
        out.table(List.of("NODE", "VERSION"), rows);
      }
    }
    if (why != null) {
      ctl.io.err().println("raftctl: no server version: " + why);
    }
    return ExitCode.OK;
  }
}
