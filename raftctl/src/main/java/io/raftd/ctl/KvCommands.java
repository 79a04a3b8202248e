package io.raftd.ctl;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import io.raftd.proto.KeyValue;
import io.raftd.proto.KvCas;
import io.raftd.proto.KvCommandResult;
import io.raftd.proto.KvQueryResult;
import io.raftd.proto.KvScan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The key-value commands. Keys and values are bytes, spelt in arguments and output as --encoding says. */
final class KvCommands {
  private KvCommands() {}

  @Command(name = "put", description = {"Sets KEY to VALUE, to the contents of --file F, or to stdin with -.",
      "Files and stdin are stored byte for byte."})
  static final class Put extends CtlCommand {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", arity = "0..1", paramLabel = "VALUE", description = "the value; - reads it from stdin")
    String value;

    @Option(names = "--file", paramLabel = "F", description = "read the value from file F")
    Path file;

    @Mixin
    EncodingOption encoding;

    @Override
    int run(Raftctl ctl) throws Exception {
      Encoding e = encoding.encoding;
      ByteString k = e.decode(key, "KEY");
      ByteString v = Payload.read(ctl, "put VALUE", value, file, e);
      KvCommandResult r = ctl.connection().kv().put(k, v);
      Output out = ctl.output();
      if (out.json) {
        JsonObject o = Json.keyValue(r.getCurrent(), e);
        o.addProperty("index", r.getIndex());
        o.addProperty("term", r.getTerm());
        out.json(o);
      } else {
        out.line("OK (version " + r.getCurrent().getVersion() + ", index " + r.getIndex() + ")");
      }
      return ExitCode.OK;
    }
  }

  @Command(name = "get", description = {"Prints KEY's value (in table mode, only the value: with --encoding utf8 its "
      + "bytes as they are, then a newline). Exit 3 if absent.", "Linearizable unless --stale."})
  static final class Get extends CtlCommand {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Option(names = "--stale", description = "read the answering member's state as it is (faster, may be behind)")
    boolean stale;

    @Option(names = "--out", paramLabel = "F", description = "write the value's exact bytes to file F "
        + "(replaced all at once) instead of printing it")
    Path file;

    @Mixin
    EncodingOption encoding;

    @Override
    int run(Raftctl ctl) throws Exception {
      Encoding e = encoding.encoding;
      ByteString k = e.decode(key, "KEY");
      KvQueryResult r = ctl.connection().kv().get(k, stale);
      if (r.getKvsCount() == 0) {
        throw new CtlException(ExitCode.NOT_FOUND, "key not found: " + e.text(k));
      }
      KeyValue kv = r.getKvs(0);
      if (file != null) {
        try {
          AtomicFile.write(file, kv.getValue().toByteArray());
        } catch (IOException x) {
          throw new CtlException(ExitCode.FAILURE, "--out " + file + ": cannot write it: " + Reasons.plain(x));
        }
      }
      Output out = ctl.output();
      if (out.json) {
        JsonObject o = Json.keyValue(kv, e);
        if (file != null) {
          o.remove("value");
          o.remove("value_encoding");
          o.addProperty("out", file.toString());
          o.addProperty("bytes", kv.getValue().size());
        }
        o.addProperty("applied_index", r.getAppliedIndex());
        out.json(o);
      } else if (file == null) {
        if (e == Encoding.utf8) {
          out.bytesLine(kv.getValue());
        } else {
          out.line(e.text(kv.getValue()));
        }
      }
      return ExitCode.OK;
    }
  }

  @Command(name = "delete", description = "Deletes KEY. Exit 3 if it did not exist.")
  static final class Delete extends CtlCommand {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Mixin
    EncodingOption encoding;

    @Override
    int run(Raftctl ctl) throws Exception {
      Encoding e = encoding.encoding;
      ByteString k = e.decode(key, "KEY");
      KvCommandResult r = ctl.connection().kv().delete(k);
      if (!r.getSucceeded()) {
        throw new CtlException(ExitCode.NOT_FOUND, "key not found: " + e.text(k));
      }
      Output out = ctl.output();
      if (out.json) {
        JsonObject o = new JsonObject();
        e.addTo(o, "key", k);
        o.addProperty("deleted", true);
        o.addProperty("index", r.getIndex());
        o.addProperty("term", r.getTerm());
        out.json(o);
      } else {
        out.line("deleted " + e.text(k));
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

    @Mixin
    EncodingOption encoding;

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
      Encoding e = encoding.encoding;
      ByteString k = e.decode(key, "KEY");
      KvCas.Builder cas = KvCas.newBuilder().setKey(k).setNewValue(e.decode(newValue, "NEW"));
      String condition;
      if (expect.value != null) {
        ByteString expected = e.decode(expect.value, "--expect");
        cas.setValue(expected);
        condition = "value " + e.text(expected);
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
        e.addTo(o, "key", k);
        o.addProperty("succeeded", r.getSucceeded());
        o.add("current", r.hasCurrent() ? Json.keyValue(r.getCurrent(), e) : null);
        o.addProperty("index", r.getIndex());
        o.addProperty("term", r.getTerm());
        out.json(o);
      } else if (r.getSucceeded()) {
        out.line("OK (version " + r.getCurrent().getVersion() + ", index " + r.getIndex() + ")");
      }
      if (!r.getSucceeded()) {
        String now = r.hasCurrent() ? "its value is " + e.text(r.getCurrent().getValue()) + " (version "
            + r.getCurrent().getVersion() + ")" : "it does not exist";
        ctl.io.err().println("raftctl: cas failed: expected " + e.text(k) + " " + condition + ", but " + now);
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

    @Mixin
    EncodingOption encoding;

    @Override
    int run(Raftctl ctl) throws Exception {
      if (limit < 0) {
        throw new CtlException(ExitCode.USAGE, "--limit must not be negative (0: the server's default)");
      }
      Encoding e = encoding.encoding;
      KvScan scan = KvScan.newBuilder().setPrefix(e.decode(prefix, "PREFIX")).setLimit(limit).build();
      KvQueryResult r = ctl.connection().kv().scan(scan, stale);
      Output out = ctl.output();
      if (out.json) {
        JsonObject o = new JsonObject();
        JsonArray kvs = new JsonArray();
        r.getKvsList().forEach(kv -> kvs.add(Json.keyValue(kv, e)));
        o.add("kvs", kvs);
        o.addProperty("more", r.getMore());
        o.addProperty("applied_index", r.getAppliedIndex());
        out.json(o);
        return ExitCode.OK;
      }
      List<List<String>> rows = new ArrayList<>();
      for (KeyValue kv : r.getKvsList()) {
        rows.add(List.of(e.text(kv.getKey()), e.text(kv.getValue()), Long.toString(kv.getVersion()),
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
