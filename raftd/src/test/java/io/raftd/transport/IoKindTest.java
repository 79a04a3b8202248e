package io.raftd.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IoKindTest {
  private static final String NATIVE_WORKDIR = "io.netty.native.workdir";

  @Test
  void epollWhereItLoadsUnlessDisabled() throws IOException {
    assertEquals(Epoll.isAvailable() ? "epoll" : "nio", IoKind.choose(Options.defaults()).name());
    assertEquals("nio", IoKind.choose(Options.defaults().withEpoll(false)).name());
  }

  @Test
  void theNativeLibraryIsUnpackedUnderTheGivenDirectoryNotTheSystemTemporaryOne(@TempDir Path dataDir)
      throws IOException {
    String before = System.getProperty(NATIVE_WORKDIR);
    Path workDir = dataDir.resolve("native");
    try {
      System.clearProperty(NATIVE_WORKDIR);
      IoKind.choose(Options.defaults().withNativeWorkDir(workDir));
      assertEquals(workDir.toAbsolutePath().toString(), System.getProperty(NATIVE_WORKDIR));
      assertTrue(Files.isDirectory(workDir));
    } finally {
      if (before == null) {
        System.clearProperty(NATIVE_WORKDIR);
      } else {
        System.setProperty(NATIVE_WORKDIR, before);
      }
    }
  }
}
