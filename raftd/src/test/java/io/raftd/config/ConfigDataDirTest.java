package io.raftd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** data_dir: absent, empty or raftd's own is fine; anything else is refused, and nothing is ever written. */
class ConfigDataDirTest {
  @TempDir Path tmp;

  @Test
  void anAbsentDirectoryIsFineAndNotCreated() throws Exception {
    Path dir = tmp.resolve("new/data");

    ConfigLoader.checkDataDir(config(dir));

    assertFalse(Files.exists(tmp.resolve("new")));
  }

  @Test
  void anEmptyDirectoryOrOneWithOnlyLostAndFoundIsFine() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("data"));
    ConfigLoader.checkDataDir(config(dir));

    Files.createDirectory(dir.resolve("lost+found"));
    ConfigLoader.checkDataDir(config(dir));
    assertEquals(List.of("lost+found"), listing(dir));
  }

  @Test
  void aRaftdDataDirectoryIsFine() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("data"));
    Files.writeString(dir.resolve("identity"), "n1\n");
    Files.createDirectory(dir.resolve("wal"));
    Files.createDirectory(dir.resolve("snap"));
    Files.writeString(dir.resolve("LOCK"), "");
    Files.createDirectory(dir.resolve("lost+found"));

    ConfigLoader.checkDataDir(config(dir));
  }

  @Test
  void aForeignDirectoryIsRefusedNamingAnEntryAndLeftAsItWas() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("home"));
    Files.writeString(dir.resolve("notes.txt"), "my notes");
    Files.createDirectory(dir.resolve("lost+found"));
    List<String> before = listing(dir);

    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.checkDataDir(config(dir)));

    assertEquals("raftd.toml: data_dir " + dir + " is not a raftd data directory: it holds notes.txt but no "
        + "identity file; expected an absent or empty directory, or one written by raftd", e.getMessage());
    assertEquals(before, listing(dir));
    assertEquals("my notes", Files.readString(dir.resolve("notes.txt")));
  }

  @Test
  void anIdentityThatIsNotAFileDoesNotMakeItRaftds() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("data"));
    Files.createDirectory(dir.resolve("identity"));
    Files.writeString(dir.resolve("b.txt"), "");

    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.checkDataDir(config(dir)));

    assertTrue(e.getMessage().contains("it holds b.txt and 1 more but no identity file"), e.getMessage());
  }

  @Test
  void aFileIsNotADataDirectory() throws Exception {
    Path file = Files.writeString(tmp.resolve("data"), "");

    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.checkDataDir(config(file)));

    assertTrue(e.getMessage().startsWith("raftd.toml: data_dir " + file + " is not a directory"), e.getMessage());
  }

  private static RaftdConfig config(Path dataDir) throws ConfigException {
    return ConfigLoader.parse("name = \"n1\"\ndata_dir = \"" + dataDir + "\"\n", "raftd.toml");
  }

  private static List<String> listing(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
