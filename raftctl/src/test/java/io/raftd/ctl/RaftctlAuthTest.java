package io.raftd.ctl;

import static io.raftd.daemon.AdminTokensFile.READ_TOKEN;
import static io.raftd.daemon.AdminTokensFile.WRITE_TOKEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.daemon.AdminTokensFile;
import io.raftd.daemon.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * raftctl against a member with [admin_auth]: exit 5 with a line saying which refusal it is and what to do; the
 * token from --token, --token-file, RAFTCTL_TOKEN or the config file (token or token_file); watch carries it too.
 */
class RaftctlAuthTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private LocalCluster cluster() throws Exception {
    LocalCluster c = new LocalCluster(dir, 1, LocalCluster.FAST_WAL + AdminTokensFile.adminAuth(dir, 1000));
    c.startAll();
    c.awaitLeader();
    return c;
  }

  /** raftctl with a HOME of its own (its config file there, if any) and these variables. */
  private Ctl ctl(LocalCluster c, String... vars) {
    Map<String, String> env = new java.util.HashMap<>(Map.of("HOME", dir.resolve("home").toString(),
        "RAFTCTL_ENDPOINTS", String.join(",", c.adminAddresses)));
    for (int i = 0; i < vars.length; i += 2) {
      env.put(vars[i], vars[i + 1]);
    }
    return new Ctl(env);
  }

  private void userConfig(String text) throws Exception {
    Ctl.userConfig(dir.resolve("home"), text);
  }

  @Test
  void exit5SaysWhichRefusalItIsAndWhatToDo() throws Exception {
    try (LocalCluster c = cluster()) {
      Ctl.Result none = ctl(c).run("put", "k", "v");
      assertEquals(5, none.code(), none.toString());
      assertEquals("raftctl: not authenticated: this member requires a token: give one from its tokens file (raftctl"
          + " --token-file FILE, or RAFTCTL_TOKEN)\n", none.err());

      Ctl.Result wrong = ctl(c).run("--token", "not-a-token-0123456789", "get", "k");
      assertEquals(5, wrong.code(), wrong.toString());
      assertEquals("raftctl: not authenticated: the token is not valid on this member: use one from its tokens file\n",
          wrong.err());

      Ctl.Result denied = ctl(c).run("--token", READ_TOKEN, "put", "k", "v");
      assertEquals(5, denied.code(), denied.toString());
      assertEquals("raftctl: permission denied: write needs the write role; the token of reader has role read: use a"
          + " token with role write\n", denied.err());

      Ctl.Result json = ctl(c).run("-o", "json", "--token", READ_TOKEN, "put", "k", "v");
      assertEquals(5, json.code());
      assertEquals("auth", json.json().getAsJsonObject("error").get("code").getAsString());
    }
  }

  @Test
  void theTokenComesFromEachOfItsSources() throws Exception {
    try (LocalCluster c = cluster()) {
      Path file = Files.writeString(dir.resolve("my-token"), WRITE_TOKEN + "\n");
      assertEquals(0, ctl(c).run("--token", WRITE_TOKEN, "put", "from", "option").code());
      assertEquals(0, ctl(c).run("--token-file", file.toString(), "put", "from", "file").code());
      assertEquals(0, ctl(c, "RAFTCTL_TOKEN", WRITE_TOKEN).run("put", "from", "environment").code());
      userConfig("token = \"" + WRITE_TOKEN + "\"\n");
      assertEquals(0, ctl(c).run("put", "from", "config").code());
      userConfig("token_file = \"" + file + "\"\n");
      Ctl.Result got = ctl(c).run("get", "from");
      assertEquals("config\n", got.out(), got.toString());

      // The option before the environment before the config file: a read token there is overridden.
      userConfig("token = \"" + READ_TOKEN + "\"\n");
      assertEquals(0, ctl(c, "RAFTCTL_TOKEN", WRITE_TOKEN).run("put", "order", "env").code());
      assertEquals(0, ctl(c, "RAFTCTL_TOKEN", READ_TOKEN).run("--token", WRITE_TOKEN, "put", "order", "option").code());
      assertEquals(5, ctl(c).run("put", "order", "config").code());

      Ctl.Result both = ctl(c).run("--token", WRITE_TOKEN, "--token-file", file.toString(), "status");
      assertEquals(2, both.code());
      assertEquals("raftctl: --token and --token-file are both given: keep one\n", both.err());
      Ctl.Result missing = ctl(c).run("--token-file", dir.resolve("nope").toString(), "status");
      assertEquals(2, missing.code());
      assertEquals("raftctl: --token-file: " + dir.resolve("nope") + " does not exist: expected a file holding the"
          + " token\n", missing.err());
    }
  }

  @Test
  void watchCarriesTheToken() throws Exception {
    try (LocalCluster c = cluster()) {
      Ctl.Result refused = ctl(c).run("watch");
      assertEquals(5, refused.code(), refused.toString());
      Ctl.Running watch = ctl(c, "RAFTCTL_TOKEN", READ_TOKEN).start("watch");
      LocalCluster.await("n1 watched", WAIT, () -> watch.err().contains("n1: watching"));
      assertTrue(!watch.done(), watch.err());
      watch.interrupt();
    }
  }
}
