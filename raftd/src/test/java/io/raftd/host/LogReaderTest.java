package io.raftd.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftd.proto.SnapshotMetadata;
import org.junit.jupiter.api.Test;

/** What ReadLog says of a compacted range, with the log starting right after its snapshot or a tail before it. */
class LogReaderTest {
  @Test
  void aCompactedRangeSaysWhereTheLogStartsAndWhichSnapshotHoldsWhatCameBefore() {
    SnapshotMetadata s = SnapshotMetadata.newBuilder().setIndex(100).setTerm(3).build();
    assertEquals("compacted: the log starts at 101 after the snapshot at index 100, term 3", LogReader.compacted(101, s));
    assertEquals("compacted: the log starts at 91; the entries before it are only in the snapshot at index 100, term 3",
        LogReader.compacted(91, s), "snapshot.keep_entries leaves a tail of entries the snapshot holds too");
  }
}
