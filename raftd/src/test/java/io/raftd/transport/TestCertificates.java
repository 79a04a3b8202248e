package io.raftd.transport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority for tests, made with the openssl commands the README shows: a CA, and
 * for each member a P-256 key (PKCS#8 PEM) and a certificate naming the member in its subjectAltName.
 */
public final class TestCertificates {
  /** One member's PEM files. */
  public record Issued(Path cert, Path key) {}

  private final Path dir;
  private final String name;

  /** Makes a new CA called {@code name} in {@code dir}. */
  public TestCertificates(Path dir, String name) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.name = name;
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", file("ca.key"), "-out", file("ca.crt"), "-days", "30", "-subj", "/CN=" + name);
  }

  public Path ca() {
    return dir.resolve(name + "-ca.crt");
  }

  /** A key and a certificate signed by this CA whose subjectAltName is DNS:{@code dnsName}. */
  public Issued issue(String file, String dnsName) throws IOException {
    return issue(file, dnsName, "DNS:" + dnsName);
  }

  /**
   * A key and a certificate signed by this CA, with subject CN {@code commonName} and the given
   * subjectAltName ({@code DNS:n1,IP:127.0.0.1}).
   */
  public Issued issue(String file, String commonName, String subjectAltName) throws IOException {
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", file(file + ".key"),
        "-out", file(file + ".csr"), "-subj", "/CN=" + commonName);
    Path ext = Files.writeString(dir.resolve(name + "-" + file + ".ext"), "subjectAltName=" + subjectAltName + "\n");
    openssl("x509", "-req", "-in", file(file + ".csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"),
        "-CAcreateserial", "-out", file(file + ".crt"), "-days", "30", "-extfile", ext.toString());
    return new Issued(dir.resolve(name + "-" + file + ".crt"), dir.resolve(name + "-" + file + ".key"));
  }

  private String file(String f) {
    return dir.resolve(name + "-" + f).toString();
  }

  private static void openssl(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException(String.join(" ", command) + " failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
