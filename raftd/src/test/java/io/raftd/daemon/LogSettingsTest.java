package io.raftd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.raftd.config.RaftdConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/** raftd.toml's [log] on a Logback set up as logback.xml sets it up: levels by logger, and JSON lines. */
class LogSettingsTest {
  private final LoggerContext context = new LoggerContext();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  LogSettingsTest() {
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern("%level %logger{0}: %msg%n");
    text.start();
    OutputStreamAppender<ILoggingEvent> stderr = new OutputStreamAppender<>();
    stderr.setContext(context);
    stderr.setName("STDERR");
    stderr.setEncoder(text);
    stderr.setOutputStream(out);
    stderr.start();
    context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(stderr);
    context.start();
  }

  private List<String> lines() {
    return out.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void levelsByLogger() {
    LogSettings.apply(new RaftdConfig.Log("warn", Map.of("io.raftd.transport", "debug"), "text"), context);
    context.getLogger("io.raftd.transport.PeerConnection").debug("shown");
    context.getLogger("io.raftd.daemon.Daemon").info("hidden");
    context.getLogger("io.raftd.daemon.Daemon").warn("shown too");
    assertEquals(List.of("DEBUG PeerConnection: shown", "WARN Daemon: shown too"), lines());
  }

  @Test
  void jsonIsOneObjectPerLine() {
    LogSettings.apply(new RaftdConfig.Log("info", Map.of(), "json"), context);
    Logger log = context.getLogger("io.raftd.daemon.ClusterEvents");
    log.info("{} is {}; was \"{}\"", "n1(0e1a370bfdb8c740)", "leader at term 2", "line\nbreak");
    log.warn("with a stack trace", new IllegalStateException("why"));
    List<String> lines = lines();
    assertEquals(2, lines.size(), String.join("\n", lines));
    JsonObject first = JsonParser.parseString(lines.get(0)).getAsJsonObject();
    assertEquals("INFO", first.get("level").getAsString());
    assertEquals("io.raftd.daemon.ClusterEvents", first.get("loggerName").getAsString());
    assertEquals("n1(0e1a370bfdb8c740) is leader at term 2; was \"line\nbreak\"", first.get("formattedMessage").getAsString());
    assertTrue(first.get("timestamp").getAsLong() > 0);
    assertFalse(first.has("message"), "the unformatted message too: " + lines.get(0));
    JsonObject second = JsonParser.parseString(lines.get(1)).getAsJsonObject();
    assertEquals("why", second.getAsJsonObject("throwable").get("message").getAsString());
  }

  @Test
  void everyLineNamesTheMemberAndItsTermOnceKnown() {
    LogSettings.apply(new RaftdConfig.Log("info", Map.of(), "json"), context);
    LogSettings.member("n2", context);
    LogSettings.term("n2", 7, context);
    LogSettings.term("n3", 9, context);  // another member's change (several in one test process): not this one's
    context.getLogger("io.raftd.host.RaftNode").info("a line");
    JsonObject line = JsonParser.parseString(lines().get(0)).getAsJsonObject();
    JsonObject properties = line.getAsJsonObject("context").getAsJsonObject("properties");
    assertEquals("n2", properties.get(LogSettings.MEMBER).getAsString());
    assertEquals("7", properties.get(LogSettings.TERM).getAsString());
  }
}
