package io.raftd.ctl;

import java.util.regex.Pattern;

/**
 * Failure reasons as an operator reads them: without the Java or Netty exception class names and native call
 * names ("io.netty.channel.AbstractChannel$AnnotatedConnectException: ", "finishConnect(..) failed: ") that
 * the client library's messages carry from the exceptions they wrap. --debug still shows the stack trace.
 */
final class Reasons {
  private static final Pattern CLASS_NAME = Pattern.compile(
      "\\b(?:java|javax|jdk|sun|io\\.netty|io\\.grpc|com\\.google|io\\.raftd)(?:\\.[a-z_]\\w*)*\\.[A-Z][\\w$]*(?::\\s*|\\b)");
  private static final Pattern NATIVE_CALL = Pattern.compile("\\b\\w+\\(\\.\\.\\) failed(?: with error\\(-?\\d+\\))?: ");

  private Reasons() {}

  static String plain(String message) {
    if (message == null || message.isBlank()) {
      return "no reason given";
    }
    String s = NATIVE_CALL.matcher(CLASS_NAME.matcher(message).replaceAll("")).replaceAll("");
    return s.isBlank() ? "no reason given" : s.strip();
  }

  static String plain(Throwable e) {
    return plain(e.getMessage());
  }
}
