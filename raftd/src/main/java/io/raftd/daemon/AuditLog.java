package io.raftd.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import io.raftd.auth.AuditTrail;
import io.raftd.config.RaftdConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * Where a member's audit stream ({@link AuditTrail}) goes. Its logger logs at INFO whatever the root level
 * (unless {@code [log] levels} names it: "off" silences it), so that turning the main log down never drops
 * the audit. With {@code audit.file} the records go to that file alone, one JSON object per line, appended
 * to; without, to the main log with everything else. Closing detaches the file (a member stopped in a
 * process that goes on, as in tests).
 */
final class AuditLog implements AutoCloseable {
  private final Logger logger;
  private final FileAppender<ILoggingEvent> file;

  private AuditLog(Logger logger, FileAppender<ILoggingEvent> file) {
    this.logger = logger;
    this.file = file;
  }

  /** A no-op where the logging backend is not Logback (a test's slf4j-nop, say). */
  static AuditLog open(String member, RaftdConfig.Audit audit) throws Daemon.StartupException {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return new AuditLog(null, null);
    }
    Logger logger = context.getLogger(AuditTrail.loggerName(member));
    if (logger.getLevel() == null && !logger.isInfoEnabled()) {
      logger.setLevel(Level.INFO);
    }
    if (audit.file().isEmpty()) {
      return new AuditLog(logger, null);
    }
    Path path = audit.file().get();
    if (path.getParent() != null && !Files.isDirectory(path.getParent())) {
      throw new Daemon.StartupException("audit.file = \"" + path + "\": its directory " + path.getParent()
          + " does not exist: create it, writable by the user raftd runs as");
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%msg%n");
    encoder.start();
    FileAppender<ILoggingEvent> file = new FileAppender<>();
    file.setContext(context);
    file.setName("audit-" + member);
    file.setFile(path.toString());
    file.setAppend(true);
    file.setEncoder(encoder);
    file.start();
    if (!file.isStarted()) {
      throw new Daemon.StartupException("audit.file = \"" + path + "\" cannot be opened for appending: make it"
          + " (and its directory) writable by the user raftd runs as");
    }
    logger.addAppender(file);
    logger.setAdditive(false);
    return new AuditLog(logger, file);
  }

  @Override
  public void close() {
    if (file != null) {
      logger.detachAppender(file);
      logger.setAdditive(true);
      file.stop();
    }
  }
}
