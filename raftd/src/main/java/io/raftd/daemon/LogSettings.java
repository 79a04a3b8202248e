package io.raftd.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import io.raftd.config.RaftdConfig;
import java.util.Iterator;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Applies raftd.toml's {@code [log]} to Logback once the file is read: the root level, levels by logger,
 * and for {@code format = "json"} logback's own JSON-lines encoder on the appenders of logback.xml, whose
 * text pattern stays the one place the text format is defined. Every line names the member and its
 * current term: logger-context properties, which the text pattern prints and the JSON lines carry.
 */
final class LogSettings {
  /** The context properties every line carries: this process's member, and its current term. */
  static final String MEMBER = "raftd.member";
  static final String TERM = "raftd.term";
  /** The member this process logs as (set once, by Main): only its term changes are the lines' term. */
  private static volatile String member;

  private LogSettings() {}

  /** From now on every line names {@code name} as its member. */
  static void member(String name) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      member(name, context);
    }
  }

  static void member(String name, LoggerContext context) {
    member = name;
    context.putProperty(MEMBER, name);
  }

  /**
   * Member {@code name} is at term {@code term}: if it is the member this process logs as, the lines from
   * now on say so. (Tests run several members in one process, and no member is this process's there.)
   */
  static void term(String name, long term) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      term(name, term, context);
    }
  }

  static void term(String name, long term, LoggerContext context) {
    if (name.equals(member)) {
      context.putProperty(TERM, Long.toString(term));
    }
  }

  /** Applies to the logging backend in use; a no-op where it is not Logback (a test's slf4j-nop, say). */
  static void apply(RaftdConfig.Log log) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      apply(log, context);
    }
  }

  static void apply(RaftdConfig.Log log, LoggerContext context) {
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(log.level()));
    for (Map.Entry<String, String> e : log.levels().entrySet()) {
      context.getLogger(e.getKey()).setLevel(Level.toLevel(e.getValue()));
    }
    if (log.format().equals("json")) {
      for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
        if (it.next() instanceof OutputStreamAppender<ILoggingEvent> out) {
          // Swapped in place, not stopped and started: stopping closes the stream (stderr, for logback.xml's
          // console appender). Applied at start-up, before the threads that log.
          out.setEncoder(json(context));
        }
      }
    }
  }

  /**
   * One JSON object per line: time, level, thread, logger, the member and its term (under context.properties),
   * the message as written, and any stack trace.
   */
  private static JsonEncoder json(LoggerContext context) {
    JsonEncoder encoder = new JsonEncoder();
    encoder.setContext(context);
    encoder.setWithSequenceNumber(false);
    encoder.setWithNanoseconds(false);
    encoder.setWithContext(true);  // its properties: the member and its term
    encoder.setWithMessage(false);  // the pattern with {} holes; the formatted one is what an operator reads
    encoder.setWithArguments(false);
    encoder.setWithFormattedMessage(true);
    encoder.start();
    return encoder;
  }
}
