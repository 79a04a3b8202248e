package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.raftd.daemon.LocalCluster;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys and values are bytes: every byte value and malformed UTF-8 go in and come out exactly, or are refused. */
class BinaryKvTest {
  /** Every byte value once, 0x00 to 0xff. */
  static final byte[] ALL_BYTES = new byte[256];
  /** What $'\xff\xfe\x01abc' is: not UTF-8. */
  static final byte[] MALFORMED = {(byte) 0xff, (byte) 0xfe, 0x01, 'a', 'b', 'c'};

  static {
    for (int i = 0; i < 256; i++) {
      ALL_BYTES[i] = (byte) i;
    }
  }

  @TempDir
  static Path dir;

  private static LocalCluster cluster;
  private static Ctl ctl;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = new LocalCluster(dir, 3, LocalCluster.FAST_WAL);
    cluster.startAll();
    cluster.awaitLeader();
    ctl = new Ctl(cluster.adminAddresses);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  /** The value stored under the UTF-8 key, read back as hex (so nothing in between decodes it). */
  static byte[] stored(String key) {
    Ctl.Result r = ctl.run("get", "--encoding", "hex", hex(key.getBytes(StandardCharsets.UTF_8)));
    assertEquals(0, r.code(), r::toString);
    return HexFormat.of().parseHex(r.out().strip());
  }

  private static Ctl.Result ok(Ctl.Result r) {
    assertEquals(0, r.code(), r::toString);
    return r;
  }

  @Test
  void everyByteValueRoundTripsThroughFileStdinHexAndBase64() throws Exception {
    Path in = Files.write(dir.resolve("all.bin"), ALL_BYTES);
    ok(ctl.run("put", "all/file", "--file", in.toString()));
    ok(ctl.run(ALL_BYTES, "put", "all/stdin", "-"));
    ok(ctl.run("put", "--encoding", "hex", hex("all/hex".getBytes(StandardCharsets.UTF_8)), hex(ALL_BYTES)));
    ok(ctl.run("put", "--encoding", "base64", Base64.getEncoder().encodeToString("all/base64".getBytes(StandardCharsets.UTF_8)),
        Base64.getEncoder().encodeToString(ALL_BYTES)));
    for (String key : new String[] {"all/file", "all/stdin", "all/hex", "all/base64"}) {
      assertArrayEquals(ALL_BYTES, stored(key), key);
      Path out = dir.resolve(key.replace('/', '-') + ".out");
      ok(ctl.run("get", key, "--out", out.toString()));
      assertArrayEquals(ALL_BYTES, Files.readAllBytes(out), "get --out writes the exact bytes of " + key);
      byte[] printed = ok(ctl.run("get", key)).stdout();
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      expected.write(ALL_BYTES);
      expected.write('\n');
      assertArrayEquals(expected.toByteArray(), printed, "get prints the bytes as they are, then a newline");
      JsonObject json = ok(ctl.run("-o", "json", "get", key)).json();
      assertEquals("base64", json.get("value_encoding").getAsString(), json::toString);
      assertArrayEquals(ALL_BYTES, Base64.getDecoder().decode(json.get("value").getAsString()));
      assertEquals(key, json.get("key").getAsString(), "a UTF-8 key stays a string");
      assertFalse(json.has("key_encoding"), json::toString);
      assertEquals(Base64.getEncoder().encodeToString(ALL_BYTES),
          ok(ctl.run("get", "--encoding", "base64", Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8))))
              .out().strip());
    }
    // A key of every byte value, found by scan and printed in the encoding asked for.
    ok(ctl.run("put", "--encoding", "hex", hex(ALL_BYTES), "6b"));
    JsonObject scan = ok(ctl.run("-o", "json", "scan", "--encoding", "hex", "00")).json();
    JsonObject kv = scan.getAsJsonArray("kvs").get(0).getAsJsonObject();
    assertEquals(hex(ALL_BYTES), kv.get("key").getAsString());
    assertEquals("hex", kv.get("key_encoding").getAsString());
    assertEquals("6b", kv.get("value").getAsString());
  }

  @Test
  void malformedUtf8IsStoredExactlyFromAFileAndRefusedAsAnArgument() throws Exception {
    Path in = Files.write(dir.resolve("malformed.bin"), MALFORMED);
    ok(ctl.run("put", "malformed", "--file", in.toString()));
    assertArrayEquals(MALFORMED, stored("malformed"));
    assertEquals("\\xff\\xfe\\x01abc\n", ok(ctl.run("scan", "malformed", "--limit", "1")).out().lines().skip(1)
        .map(l -> l.split(" +")[1] + "\n").findFirst().orElseThrow(), "a table escapes bytes that are not text");

    // As the launcher hands it over: hex, so the bytes are known exactly and can be refused, not replaced.
    LauncherArgs args = LauncherArgs.fromHex(new String[] {"x707574", "x6d616c666f726d65642d617267", "x" + hex(MALFORMED)});
    assertEquals("malformed-arg", args.args()[1]);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Raftctl refused = new Raftctl(new Raftctl.Io(System.in, new java.io.PrintStream(new ByteArrayOutputStream()),
        new java.io.PrintStream(err, true, StandardCharsets.UTF_8), java.util.Map.of("RAFTCTL_ENDPOINTS",
        String.join(",", cluster.adminAddresses)), true, false));
    refused.refuse(args.refusal());
    assertEquals(ExitCode.USAGE, Main.run(refused, args.args()));
    String line = err.toString(StandardCharsets.UTF_8);
    assertEquals("raftctl: argument 3 (\\xff\\xfe\\x01abc) is not valid UTF-8: give binary keys and values with "
        + "--encoding hex or base64, or a value with --file F or - (stdin)\n", line);
    assertEquals(ExitCode.NOT_FOUND, ctl.run("get", "malformed-arg").code(), "nothing was stored");
  }

  @Test
  void jsonCarriesTextAsStringsAndOtherBytesAsBase64() {
    JsonObject text = ok(ctl.run("-o", "json", "put", "grüße", "✓ done")).json();
    assertEquals("grüße", text.get("key").getAsString());
    assertEquals("✓ done", text.get("value").getAsString());
    assertFalse(text.has("value_encoding") || text.has("key_encoding"), text::toString);
    JsonObject hexOut = ok(ctl.run("-o", "json", "get", "--encoding", "hex", hex("grüße".getBytes(StandardCharsets.UTF_8)))).json();
    assertEquals(hex("✓ done".getBytes(StandardCharsets.UTF_8)), hexOut.get("value").getAsString());
    assertEquals("hex", hexOut.get("value_encoding").getAsString());
  }

  @Test
  void badlySpeltBytesAndStdinInAScriptAreUsageErrors() {
    Ctl.Result oddHex = ctl.run("put", "--encoding", "hex", "6b", "abc");
    assertEquals(ExitCode.USAGE, oddHex.code(), oddHex::toString);
    assertEquals(1, oddHex.err().lines().count(), oddHex::toString);
    assertTrue(oddHex.err().contains("put VALUE is not hex"), oddHex::toString);
    Ctl.Result badBase64 = ctl.run("get", "--encoding", "base64", "***");
    assertEquals(ExitCode.USAGE, badBase64.code(), badBase64::toString);
    assertTrue(badBase64.err().contains("KEY is not base64"), badBase64::toString);
    Ctl.Result both = ctl.run("put", "k", "v", "--file", "x");
    assertEquals(ExitCode.USAGE, both.code(), both::toString);
    Ctl.Result script = ctl.run("put k -\nput after 1\n", false);
    assertEquals(ExitCode.USAGE, script.code(), script::toString);
    assertTrue(script.err().contains("stdin is the script"), script::toString);
    assertEquals(ExitCode.NOT_FOUND, ctl.run("get", "after").code(), "nothing ran after the refused line");
  }

  /**
   * The real launcher under LANG=C: a JVM started by hand would see U+FFFD for every non-ASCII byte. UTF-8
   * arguments must be stored as the bytes the shell gave, and raw bytes that are not UTF-8 refused.
   */
  @Test
  void theLauncherKeepsUtf8ArgumentsUnderTheCLocaleAndRefusesOtherBytes() throws Exception {
    Path lib = Files.createDirectories(dir.resolve("lib"));
    Launcher.pathingJar(lib.resolve("classpath.jar"));
    Ctl.Result put = Launcher.run(lib, cluster.adminAddresses, "put", "ключ-é", "значение ✓");
    assertEquals(0, put.code(), put::toString);
    assertArrayEquals("значение ✓".getBytes(StandardCharsets.UTF_8), stored("ключ-é"));
    Ctl.Result get = Launcher.run(lib, cluster.adminAddresses, "get", "ключ-é");
    assertEquals("значение ✓\n", get.out(), "printed as UTF-8 whatever the locale: " + get);

    // printf makes the raw bytes in the shell, as $'\xff\xfe\x01abc' would; Java could not pass them.
    Ctl.Result raw = Launcher.runShell(lib, cluster.adminAddresses, "\"$0\" put raw-arg \"$(printf '\\377\\376\\001abc')\"");
    assertEquals(ExitCode.USAGE, raw.code(), raw::toString);
    assertEquals("raftctl: argument 3 (\\xff\\xfe\\x01abc) is not valid UTF-8: give binary keys and values with "
        + "--encoding hex or base64, or a value with --file F or - (stdin)\n", raw.err());
    assertEquals(ExitCode.NOT_FOUND, ctl.run("get", "raw-arg").code(), "nothing was stored");
    Ctl.Result empty = Launcher.run(lib, cluster.adminAddresses, "put", "empty-value", "");
    assertEquals(0, empty.code(), empty::toString);
    assertArrayEquals(new byte[0], stored("empty-value"), "an empty argument survives the launcher");
  }
}
