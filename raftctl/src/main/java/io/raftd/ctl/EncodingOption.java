package io.raftd.ctl;

import picocli.CommandLine.Option;

/** {@code --encoding}, mixed into the commands that take or print keys, values or payloads. */
final class EncodingOption {
  @Option(names = "--encoding", paramLabel = "utf8|hex|base64",
      description = "how KEY, VALUE and the other byte arguments are spelt, and how keys and values are printed "
          + "(default: utf8; hex and base64 carry any bytes)")
  Encoding encoding = Encoding.utf8;
}
