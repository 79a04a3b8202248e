package io.raftd.ctl;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Runs the real bin/raftctl in a child process, under the C locale, on this test's classpath. */
final class Launcher {
  static final Path SCRIPT = Path.of("..", "bin", "raftctl").toAbsolutePath().normalize();

  private Launcher() {}

  /** A jar whose manifest names this JVM's classpath: bin/raftctl takes lib/*.jar, and the classes are directories. */
  static void pathingJar(Path jar) throws IOException {
    StringBuilder classPath = new StringBuilder();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      classPath.append(Path.of(entry).toAbsolutePath().toUri()).append(' ');
    }
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath.toString().strip());
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
      j.flush();
    }
  }

  static Ctl.Result run(Path lib, List<String> endpoints, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
    command.addAll(List.of(args));
    return run(lib, endpoints, command);
  }

  /** Runs {@code script} with sh -c, the launcher as $0: for arguments Java cannot pass (bytes that are not UTF-8). */
  static Ctl.Result runShell(Path lib, List<String> endpoints, String script) throws Exception {
    return run(lib, endpoints, List.of("sh", "-c", script, SCRIPT.toString()));
  }

  private static Ctl.Result run(Path lib, List<String> endpoints, List<String> command) throws Exception {
    return run(lib, endpoints, Map.of(), command);
  }

  /** Runs {@code command} (a shell that runs bin/raftctl, say) with these variables set too. */
  static Ctl.Result run(Path lib, List<String> endpoints, Map<String, String> env, List<String> command)
      throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().keySet().removeIf(k -> k.startsWith("LC_") || k.equals("LANG") || k.startsWith("RAFTCTL"));
    pb.environment().put("LANG", "C");
    pb.environment().put("LC_ALL", "C");
    pb.environment().put("RAFTD_LIB", lib.toString());
    pb.environment().put("RAFTCTL_ENDPOINTS", String.join(",", endpoints));
    pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    // Both pipes are drained concurrently, so a chatty child cannot block on a full one.
    var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("did not finish: " + command);
    }
    return new Ctl.Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
        new String(err.get(), StandardCharsets.UTF_8), out);
  }

  private static byte[] readAll(java.io.InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
