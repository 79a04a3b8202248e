package io.raftd.ctl;

import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import io.raftd.proto.KvCommandResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
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

  @Override
  int run(Raftctl ctl) throws Exception {
    if ((data == null) == (file == null)) {
      throw new CtlException(ExitCode.USAGE, "give the payload as DATA, --file F or - (stdin), exactly one of them");
    }
    ByteString payload;
    if (file != null) {
      try {
        payload = ByteString.copyFrom(Files.readAllBytes(file));
      } catch (NoSuchFileException e) {
        throw new CtlException(ExitCode.USAGE, "--file " + file + ": no such file");
      } catch (IOException e) {
        throw new CtlException(ExitCode.USAGE, "--file " + file + ": cannot read it: " + e.getMessage());
      }
    } else if (data.equals("-")) {
      if (ctl.inScript()) {
        throw new CtlException(ExitCode.USAGE, "append -: in script mode stdin is the script; give DATA or --file F");
      }
      payload = ByteString.readFrom(ctl.io.in());
    } else {
      payload = ByteString.copyFrom(data, StandardCharsets.UTF_8);
    }
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
