package io.raftd.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * raftd's log lines (io.raftd and below) from {@link #start} to {@link #stop}, whatever logback-test.xml says
 * (it turns logging off): for tests of what the log says, or never says.
 */
final class CapturedLogs {
  private final Logger raftd = (Logger) LoggerFactory.getLogger("io.raftd");
  private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
  private Level levelBefore;

  /** @param level the least level captured */
  void start(Level level) {
    levelBefore = raftd.getLevel();
    raftd.setLevel(level);
    captured.start();
    raftd.addAppender(captured);
  }

  void stop() {
    raftd.detachAppender(captured);
    raftd.setLevel(levelBefore);
  }

  /** Each event's message as logged. */
  List<String> lines() {
    synchronized (captured.list) {  // ListAppender appends under the appender's lock; copy what is there
      return captured.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  /** Each event's message, then the messages of its exception and causes, if it has one. */
  List<String> linesWithExceptions() {
    List<String> lines = new ArrayList<>();
    synchronized (captured.list) {
      for (ILoggingEvent e : captured.list) {
        lines.add(e.getFormattedMessage());
        for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
          lines.add(t.getMessage());
        }
      }
    }
    return lines;
  }
}
