package io.raftd.statemachine;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.raftd.kv.KvStore;
import io.raftd.kv.PersistentSortedMap;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Every replica must reach the same state from the same log, so the state machine layer reads no clock,
 * draws no randomness, owns no threads and does no I/O but on the streams it is handed (see
 * {@link StateMachine}). Checked on the production classes of io.raftd.statemachine and io.raftd.kv; the
 * canaries below prove each clause still bites.
 */
class DeterminismTest {

  static ArchRule deterministic(DescribedPredicate<? super JavaClass> classes) {
    return noClasses().that(classes)
        .should().dependOnClassesThat().resideInAnyPackage(
            "java.time..", "java.util.concurrent..", "java.nio.file..", "java.nio.channels..", "java.net..")
        .orShould().dependOnClassesThat(belongToAnyOf(Thread.class, ThreadLocal.class, Random.class,
            SplittableRandom.class, FileInputStream.class, FileOutputStream.class, RandomAccessFile.class))
        .orShould().callMethod(System.class, "currentTimeMillis")
        .orShould().callMethod(System.class, "nanoTime")
        .orShould().callMethod(Math.class, "random")
        .because("a state machine's state is a function of the log alone: time comes only from stamp_ms");
  }

  @Test
  void theStateMachineLayerIsDeterministic() {
    JavaClasses production = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.raftd.statemachine", "io.raftd.kv");
    for (Class<?> expected : List.of(SessionLayer.class, KvStore.class, PersistentSortedMap.class)) {
      assertTrue(production.contain(expected), expected + " not imported: the rule would check nothing");
    }
    deterministic(resideInAnyPackage("io.raftd.statemachine..", "io.raftd.kv..")).check(production);
  }

  @Test
  void everyClauseBites() {
    for (Class<?> canary : List.of(ReadsTheClock.class, ReadsAnInstant.class, StartsAThread.class,
        UsesAConcurrentMap.class, DrawsRandomness.class, ReadsAFile.class, OpensAFileByPath.class)) {
      JavaClasses classes = new ClassFileImporter().importClasses(canary);
      assertTrue(deterministic(belongToAnyOf(canary)).evaluate(classes).hasViolation(), canary.getSimpleName());
    }
  }

  // ---- Canaries: never instantiated, only imported as bytecode ------------------------------------

  @SuppressWarnings("unused")
  private static final class ReadsTheClock {
    long f() {
      return System.currentTimeMillis();
    }
  }

  @SuppressWarnings("unused")
  private static final class ReadsAnInstant {
    Object f() {
      return Instant.now();
    }
  }

  @SuppressWarnings("unused")
  private static final class StartsAThread {
    void f(Runnable r) {
      new Thread(r).start();
    }
  }

  @SuppressWarnings("unused")
  private static final class UsesAConcurrentMap {
    Object f() {
      return new ConcurrentHashMap<Long, Long>();
    }
  }

  @SuppressWarnings("unused")
  private static final class DrawsRandomness {
    int f() {
      return new Random().nextInt();
    }
  }

  @SuppressWarnings("unused")
  private static final class ReadsAFile {
    int f() throws IOException {
      try (FileInputStream in = new FileInputStream("x")) {
        return in.read();
      }
    }
  }

  @SuppressWarnings("unused")
  private static final class OpensAFileByPath {
    Object f() throws IOException {
      return Files.readAllBytes(Path.of("x"));
    }
  }
}
