package io.raftd.config;

import com.moandjiezana.toml.Toml;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and checks a member's {@code raftd.toml} (TOML 0.4, through toml4j). Every problem is a
 * {@link ConfigException} with a one-line message naming the file, the line where known, the key and what
 * was expected; the first problem found is reported. {@code raftd/src/dist/raftd.toml} documents every key.
 */
public final class ConfigLoader {
  private static final Pattern TOML4J_LINE = Pattern.compile("line (\\d+)");

  private ConfigLoader() {}

  public static RaftdConfig load(Path file) throws ConfigException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file + ": does not exist: expected raftd's configuration file");
    } catch (CharacterCodingException e) {
      throw new ConfigException(file + ": cannot be read: expected UTF-8 text");
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot be read: " + e);
    }
    return parse(text, file.toString());
  }

  /** @param sourceName what messages call the text, usually its file's path */
  public static RaftdConfig parse(String text, String sourceName) throws ConfigException {
    ConfigSource source = new ConfigSource(sourceName, text);
    TomlTable root = new TomlTable(source, "", readToml(text, source));
    RaftdConfig config = ConfigReader.read(root, sourceName);
    ConfigRelations.check(config, source);
    return config;
  }

  /**
   * Refuses a data_dir that raftd did not make, so that a wrong path never gets a WAL written into it. It
   * must be absent (it is created later), an empty directory, or a raftd data directory: one holding an
   * {@code identity} file ({@code lost+found} may be there too). Creates and writes nothing.
   */
  public static void checkDataDir(RaftdConfig config) throws ConfigException {
    DataDirCheck.check(config);
  }

  /**
   * Refuses a peer or admin port bound off loopback without TLS and authentication, unless the file sets
   * {@code insecure = true} ({@link Exposure}). Resolves the addresses' host names.
   */
  public static void checkExposure(RaftdConfig config) throws ConfigException {
    Exposure.check(config);
  }

  private static Map<String, Object> readToml(String text, ConfigSource source) throws ConfigException {
    Map<String, Object> values;
    try {
      values = new Toml().read(text).toMap();
    } catch (IllegalStateException e) {
      // toml4j's own message names the line ("Invalid key on line 3: a.b"): put it where ours go too.
      Matcher line = TOML4J_LINE.matcher(String.valueOf(e.getMessage()));
      throw source.fileError(line.find() ? Integer.parseInt(line.group(1)) : 0, "not valid TOML: " + e.getMessage());
    } catch (NumberFormatException e) {
      throw source.fileError(0, "not valid TOML: an integer does not fit in 64 bits (" + e.getMessage() + ")");
    }
    // toml4j drops "key =" with nothing after it; taking the default there would hide a half-edited line.
    Optional<String> empty = source.keys().firstKeyWithoutValue();
    if (empty.isPresent()) {
      throw source.error(empty.get(), "has no value: not valid TOML; expected a value after '='");
    }
    return values;
  }
}
