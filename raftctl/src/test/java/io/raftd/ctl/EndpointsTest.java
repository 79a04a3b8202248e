package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EndpointsTest {
  @TempDir
  Path home;

  private Map<String, String> env(String endpoints) {
    return endpoints == null ? Map.of("HOME", home.toString())
        : Map.of("HOME", home.toString(), "RAFTCTL_ENDPOINTS", endpoints);
  }

  private void config(String text) throws Exception {
    Ctl.userConfig(home, text);
  }

  @Test
  void theOptionWinsThenTheEnvironmentThenTheConfigFileThenTheDefault() throws Exception {
    assertEquals(List.of(Endpoints.DEFAULT), Endpoints.resolve(null, env(null)));
    config("endpoints = [\"10.0.0.1:7200\", \"10.0.0.2:7200\"]\n");
    assertEquals(List.of("10.0.0.1:7200", "10.0.0.2:7200"), Endpoints.resolve(null, env(null)));
    assertEquals(List.of("h1:1", "h2:2"), Endpoints.resolve(null, env("h1:1, h2:2")));
    assertEquals(List.of("o:9"), Endpoints.resolve("o:9", env("h1:1")));
  }

  @Test
  void XDG_CONFIG_HOMEMovesTheConfigFile() throws Exception {
    Path xdg = home.resolve("xdg/raftctl/config.toml");
    Files.createDirectories(xdg.getParent());
    Files.writeString(xdg, "endpoints = [\"x:1\"]\n");
    assertEquals(List.of("x:1"), Endpoints.resolve(null, Map.of("XDG_CONFIG_HOME", home.resolve("xdg").toString())));
  }

  @Test
  void aBadConfigFileIsAUsageErrorNamingTheFileAndTheKey() throws Exception {
    config("endpoint = [\"x:1\"]\n");
    CtlException unknown = assertThrows(CtlException.class, () -> Endpoints.resolve(null, env(null)));
    assertEquals(ExitCode.USAGE, unknown.exitCode);
    assertTrue(unknown.getMessage().contains("config.toml: unknown key endpoint"), unknown.getMessage());
    config("endpoints = \"x:1\"\n");
    assertTrue(assertThrows(CtlException.class, () -> Endpoints.resolve(null, env(null))).getMessage()
        .contains("must be a non-empty list"));
    config("endpoints = [\"x\"]\n");
    assertTrue(assertThrows(CtlException.class, () -> Endpoints.resolve(null, env(null))).getMessage()
        .contains("x is not host:port"));
    assertThrows(CtlException.class, () -> Endpoints.resolve("h:0", env(null)));
    assertThrows(CtlException.class, () -> Endpoints.resolve(" , ", env(null)));
  }
}
