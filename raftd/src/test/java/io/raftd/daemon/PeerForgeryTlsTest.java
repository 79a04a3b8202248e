package io.raftd.daemon;

import io.raftd.transport.RawPeer;
import io.raftd.transport.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The same forgeries against a cluster whose peer port runs mutual TLS ([peer_tls]): a stranger without a
 * certificate of the cluster's CA cannot even start a handshake, and a holder of the token and of one
 * member's certificate can speak only for that member (PeerTlsTest covers the certificate rules one by one).
 */
class PeerForgeryTlsTest extends PeerForgeryTest {
  private final List<TestCertificates.Issued> certificates = new ArrayList<>();
  private TestCertificates ca;

  @Override
  void configure(LocalCluster cluster) throws Exception {
    Path dir = Files.createDirectories(root.resolve("tls"));
    ca = new TestCertificates(dir, "cluster");
    for (int i = 0; i < cluster.tomls.size(); i++) {
      String name = cluster.names.get(i);
      TestCertificates.Issued issued = ca.issue(name, name);
      certificates.add(issued);
      cluster.tomls.set(i, cluster.tomls.get(i) + """

          [peer_tls]
          cert_file = "%s"
          key_file = "%s"
          ca_file = "%s"
          """.formatted(issued.cert(), issued.key(), ca.ca()));
    }
  }

  @Override
  boolean certificatesNameMembers() {
    return true;
  }

  @Override
  RawPeer memberConnection(int member, int speaksFor) throws Exception {
    TestCertificates.Issued issued = certificates.get(speaksFor);
    return new RawPeer(peerAddress(member), RawPeer.tlsClient(issued.cert(), issued.key(), ca.ca()));
  }
}
