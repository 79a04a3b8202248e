package io.raftd.ctl;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The command line exactly as the shell gave it. The JVM decodes argv with the locale's charset before main()
 * runs (on JDK 17 {@code -Dsun.jnu.encoding} cannot change that), so under LANG=C every non-ASCII byte is
 * already U+FFFD, and nothing tells a mangled argument from a real one. bin/raftctl therefore passes each
 * argument as "x" + its bytes in hex (ASCII survives any charset) and says so with -Draftctl.argv=hex; here
 * they become strings again, decoded as UTF-8 whatever the locale. An argument that is not UTF-8 is named in
 * {@link #malformed}, so raftctl refuses it instead of storing replacement characters.
 */
record LauncherArgs(String[] args, List<String> malformed) {
  static final String PROPERTY = "raftctl.argv";

  static LauncherArgs of(String[] argv) {
    if (!"hex".equals(System.getProperty(PROPERTY))) {
      return new LauncherArgs(argv, List.of());
    }
    return fromHex(argv);
  }

  static LauncherArgs fromHex(String[] argv) {
    String[] args = new String[argv.length];
    List<String> malformed = new ArrayList<>();
    for (int i = 0; i < argv.length; i++) {
      if (!argv[i].startsWith("x")) {
        throw new IllegalArgumentException("argument " + (i + 1) + " is not in the launcher's hex form: " + argv[i]);
      }
      ByteString bytes = ByteString.copyFrom(HexFormat.of().parseHex(argv[i], 1, argv[i].length()));
      String text = Encoding.strictUtf8(bytes);
      if (text == null) {
        malformed.add("argument " + (i + 1) + " (" + Encoding.escaped(bytes) + ")");
        text = bytes.toStringUtf8();
      }
      args[i] = text;
    }
    return new LauncherArgs(args, List.copyOf(malformed));
  }

  /** The one-line refusal of the malformed arguments, or null if there are none. */
  CtlException refusal() {
    if (malformed.isEmpty()) {
      return null;
    }
    return new CtlException(ExitCode.USAGE, String.join(", ", malformed) + (malformed.size() == 1 ? " is" : " are")
        + " not valid UTF-8: give binary keys and values with --encoding hex or base64, or a value with --file F or - (stdin)");
  }
}
