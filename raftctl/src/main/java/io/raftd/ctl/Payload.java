package io.raftd.ctl;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The bytes a command writes (put's VALUE, append's DATA): the argument in its --encoding, the contents of
 * --file F, or stdin for {@code -}. Files and stdin are taken byte for byte, never decoded.
 */
final class Payload {
  private Payload() {}

  /**
   * @param command the command and argument name for messages, e.g. "put VALUE"
   * @param argument the argument, "-" for stdin, or null
   * @param file --file, or null
   */
  static ByteString read(Raftctl ctl, String command, String argument, Path file, Encoding encoding)
      throws CtlException, IOException {
    if ((argument == null) == (file == null)) {
      throw new CtlException(ExitCode.USAGE, command + ": give it as an argument, --file F or - (stdin), exactly one of them");
    }
    if (file != null) {
      try {
        return ByteString.copyFrom(Files.readAllBytes(file));
      } catch (NoSuchFileException e) {
        throw new CtlException(ExitCode.USAGE, "--file " + file + ": no such file");
      } catch (IOException e) {
        throw new CtlException(ExitCode.USAGE, "--file " + file + ": cannot read it: " + Reasons.plain(e));
      }
    }
    if (argument.equals("-")) {
      if (ctl.inScript()) {
        throw new CtlException(ExitCode.USAGE, command + " -: in script mode stdin is the script; give the bytes "
            + "as an argument or with --file F");
      }
      return ByteString.readFrom(ctl.io.in());
    }
    return encoding.decode(argument, command);
  }
}
