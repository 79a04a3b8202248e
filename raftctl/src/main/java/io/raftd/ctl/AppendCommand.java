package io.raftd.ctl;

import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import io.raftd.proto.KvCommandResult;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code raftctl append}: one payload onto the replicated log. */
@Command(name = "append", description = {"Appends DATA (or --file F, or stdin with -) to the replicated log and "
    + "prints the index and term it committed at.",
    "Exit 6 if the outcome is unknown: it may or may not be in the log."})
final class AppendCommand extends CtlCommand {
  @Parameters(arity = "0..1", paramLabel = "DATA", description = "the payload; - reads it from stdin")
  String data;

  @Option(names = "--file", paramLabel = "F", description = "read the payload from file F")
  Path file;

  @Mixin
  EncodingOption encoding;

  @Override
  int run(Raftctl ctl) throws Exception {
    ByteString payload = Payload.read(ctl, "append DATA", data, file, encoding.encoding);
    KvCommandResult r = ctl.connection().kv().append(payload);
    Output out = ctl.output();
    if (out.json) {
      JsonObject o = new JsonObject();
      o.addProperty("index", r.getIndex());
      o.addProperty("term", r.getTerm());
      o.addProperty("bytes", payload.size());
      out.json(o);
    } else {
      out.line("appended at index " + r.getIndex() + ", term " + r.getTerm());
    }
    return ExitCode.OK;
  }
}
