package io.raftd.ctl;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import io.raftd.proto.KeyValue;
import io.raftd.proto.KvCas;
import io.raftd.proto.KvCommandResult;
import io.raftd.proto.KvQueryResult;
import io.raftd.proto.KvScan;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The key-value commands; keys and values are UTF-8 text. */
final class KvCommands {
  private KvCommands() {}

  private static ByteString utf8(String s) {
    return ByteString.copyFromUtf8(s);
  }

  @Command(name = "put", description = "Sets KEY to VALUE.")
  static final class Put extends CtlCommand {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE")
    String value;

    @Override
    int run(Raftctl ctl) throws Exception {
      KvCommandResult r = ctl.connection().kv().put(utf8(key), utf8(value));
      Output out = ctl.output();
      if (out.json) {
        JsonObject o = Json.keyValue(r.getCurrent());
        o.addProperty("index", r.getIndex());
        o.addProperty("term", r.getTerm());
        out.json(o);
      } else {
        out.line("OK (version " + r.getCurrent().getVersion() + ", index " + r.getIndex() + ")");
      }
      return ExitCode.OK;
    }
  }

  @Command(name = "get", description = {"Prints KEY's value (in table mode, only the value). Exit 3 if absent.",
      "Linearizable unless --stale."})
  static final class Get extends CtlCommand {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Option(names = "--stale", description = "read the answering member's state as it is (faster, may be behind)")
    boolean stale;

    @Override
    int run(Raftctl ctl) throws Exception {
      KvQueryResult r = ctl.connection().kv().get(utf8(key), stale);
      if (r.getKvsCount() == 0) {
        throw new CtlException(ExitCode.NOT_FOUND, "key not found: " + key);
      }
      KeyValue kv = r.getKvs(0);
      Output out = ctl.output();
      if (out.json) {
        JsonObject o = Json.keyValue(kv);
        o.addProperty("applied_index", r.getAppliedIndex());
        out.json(o);
      } else {
        out.line(kv.getValue().toStringUtf8());
      }
      return ExitCode.OK;
    }
  }

  @Command(name = "delete", description = "Deletes KEY. Exit 3 if it did not exist.")
  static final class Delete extends CtlCommand {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Override
    int run(Raftctl ctl) throws Exception {
      KvCommandResult r = ctl.connection().kv().delete(utf8(key));
      if (!r.getSucceeded()) {
        throw new CtlException(ExitCode.NOT_FOUND, "key not found: " + key);
      }
      Output out = ctl.output();
      if (out.json) {
        JsonObject o = new JsonObject();
        o.addProperty("key", key);
        o.addProperty("deleted", true);
        o.addProperty("index", r.getIndex());
        o.addProperty("term", r.getTerm());
        out.json(o);
      } else {
        out.line("deleted " + key);
      }
      return ExitCode.OK;
    }
  }

  @Command(name = "cas", description = {"Compare-and-set: sets KEY to NEW only if its value is --expect V (or its "
      + "version is --expect-version N, or it is --absent). Exit 1 if the comparison failed."})
  static final class Cas extends CtlCommand {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", paramLabel = "NEW")
    String newValue;

    @ArgGroup(multiplicity = "1")
    Expect expect;

    static final class Expect {
      @Option(names = "--expect", paramLabel = "V", description = "the value KEY must have")
      String value;

      @Option(names = "--expect-version", paramLabel = "N", description = "the version KEY must have")
      Long version;

      @Option(names = "--absent", description = "KEY must not exist")
      boolean absent;
    }

    @Override
    int run(Raftctl ctl) throws Exception {
      KvCas.Builder cas = KvCas.newBuilder().setKey(utf8(key)).setNewValue(utf8(newValue));
      String condition;
      if (expect.value != null) {
        cas.setValue(utf8(expect.value));
        condition = "value " + expect.value;
      } else if (expect.version != null) {
        cas.setVersion(expect.version);
        condition = "version " + expect.version;
      } else {
        cas.setAbsent(true);
        condition = "absent";
      }
      KvCommandResult r = ctl.connection().kv().cas(cas.build());
      Output out = ctl.output();
      if (out.json) {
        JsonObject o = new JsonObject();
        o.addProperty("key", key);
        o.addProperty("succeeded", r.getSucceeded());
        o.add("current", r.hasCurrent() ? Json.keyValue(r.getCurrent()) : null);
        o.addProperty("index", r.getIndex());
        out.json(o);
      } else if (r.getSucceeded()) {
        out.line("OK (version " + r.getCurrent().getVersion() + ", index " + r.getIndex() + ")");
      }
      if (!r.getSucceeded()) {
        String now = r.hasCurrent() ? "its value is " + r.getCurrent().getValue().toStringUtf8() + " (version "
            + r.getCurrent().getVersion() + ")" : "it does not exist";
        ctl.io.err().println("raftctl: cas failed: expected " + key + " " + condition + ", but " + now);
        return ExitCode.FAILURE;
      }
      return ExitCode.OK;
    }
  }

  @Command(name = "scan", description = "Lists keys with PREFIX (all keys without one) in key order.")
  static final class Scan extends CtlCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "PREFIX")
    String prefix = "";

    @Option(names = "--limit", paramLabel = "N", description = "at most N keys (default: the server's, 1000)")
    int limit;

    @Option(names = "--stale", description = "read the answering member's state as it is")
    boolean stale;

    @Override
    int run(Raftctl ctl) throws Exception {
      if (limit < 0) {
        throw new CtlException(ExitCode.USAGE, "--limit must not be negative (0: the server's default)");
      }
      KvQueryResult r = ctl.connection().kv().scan(KvScan.newBuilder().setPrefix(utf8(prefix)).setLimit(limit).build(), stale);
      Output out = ctl.output();
      if (out.json) {
        JsonObject o = new JsonObject();
        JsonArray kvs = new JsonArray();
        r.getKvsList().forEach(kv -> kvs.add(Json.keyValue(kv)));
        o.add("kvs", kvs);
        o.addProperty("more", r.getMore());
        o.addProperty("applied_index", r.getAppliedIndex());
        out.json(o);
        return ExitCode.OK;
      }
      List<List<String>> rows = new ArrayList<>();
      for (KeyValue kv : r.getKvsList()) {
        rows.add(List.of(kv.getKey().toStringUtf8(), kv.getValue().toStringUtf8(), Long.toString(kv.getVersion()),
            Long.toString(kv.getModIndex())));
      }
      out.table(List.of("KEY", "VALUE", "VERSION", "MOD_INDEX"), rows);
      if (r.getMore()) {
        out.line("(more keys follow: raise --limit)");
      }
      return ExitCode.OK;
    }
  }
}
