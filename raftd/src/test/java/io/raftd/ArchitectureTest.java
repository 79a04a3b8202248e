package io.raftd;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import io.raftd.driver.ReadyProcessor;
import io.raftd.host.RaftNode;
import io.raftd.host.ThreadRuntime;
import io.raftd.proto.Entry;
import io.raftd.raft.RaftLogger;
import io.raftd.raft.RawNode;
import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The dependency rules of ARCHITECTURE.md ("Dependency rules"), checked on the production classes so they
 * cannot rot. The core ({@code io.raftd.raft..}) is a pure, deterministic state machine: no I/O, threads,
 * clocks, unseeded randomness, logging frameworks, Netty, or {@code io.raftd} package other than
 * {@code io.raftd.proto}. The driver ({@code io.raftd.driver}) uses storage and transport only through
 * interfaces: no Netty, no {@code FileChannel}.
 *
 * <p>Each rule is a factory over the classes it constrains, so that {@link #everyRuleBites()} can run the
 * very same rule against small violating classes (below) and prove that it still fails when it should: a
 * misspelled package name would otherwise make a rule pass forever.
 */
class ArchitectureTest {

  /** Production classes only: target/classes of this module and the io.raftd classes of its dependencies. */
  private static final JavaClasses PRODUCTION = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.raftd");

  static final DescribedPredicate<JavaClass> CORE =
      resideInAPackage("io.raftd.raft..").as("classes of the core (io.raftd.raft..)");
  static final DescribedPredicate<JavaClass> DRIVER =
      resideInAPackage("io.raftd.driver..").as("classes of the driver (io.raftd.driver..)");
  /**
   * The threaded host, but for the production runtime itself and the read pool (a pool of threads until the
   * host simulator gives it a lane of its own).
   */
  static final DescribedPredicate<JavaClass> HOST = resideInAPackage("io.raftd.host..")
      .and(not(belongToAnyOf(ThreadRuntime.class)))
      .and(not(JavaClass.Predicates.simpleName("ThreadLane")))
      .as("classes of the host (io.raftd.host..) but ThreadRuntime and ThreadLane");

  // ---- The rules -------------------------------------------------------------------------------------

  /** Disk and network belong to the driver's LogWriter and Transport. */
  static ArchRule coreDoesNoIo(DescribedPredicate<? super JavaClass> core) {
    return noClasses().that(core)
        .should().dependOnClassesThat().resideInAnyPackage("java.io..", "java.nio..", "java.net..")
        .because("the core is a pure state machine; the driver does all I/O");
  }

  /** One thread (the RaftLoop, or the simulator) owns a RawNode; the core never starts or shares one. */
  static ArchRule coreOwnsNoThreads(DescribedPredicate<? super JavaClass> core) {
    return noClasses().that(core)
        .should().dependOnClassesThat().resideInAPackage("java.util.concurrent..")
        .orShould().dependOnClassesThat(belongToAnyOf(Thread.class, ThreadLocal.class, ThreadGroup.class))
        .orShould().dependOnClassesThat(assignableTo(Thread.class).or(assignableTo(ThreadLocal.class))
            .as("are subclasses of Thread or ThreadLocal"))
        .because("the core is single-threaded by contract: no threads, thread-locals, executors or locks");
  }

  /** Time enters the core only through tick(). */
  static ArchRule coreReadsNoClock(DescribedPredicate<? super JavaClass> core) {
    return noClasses().that(core)
        .should().dependOnClassesThat().resideInAPackage("java.time..")
        .orShould().callMethod(System.class, "currentTimeMillis")
        .orShould().callMethod(System.class, "nanoTime")
        .orShould().callConstructor(Date.class)
        .because("time enters the core only through tick(); a seed must replay exactly");
  }

  /** Randomness enters the core only through Config.seed, as a seeded SplittableRandom. */
  static ArchRule coreUsesOnlySeededRandomness(DescribedPredicate<? super JavaClass> core) {
    return noClasses().that(core)
        .should().callConstructor(Random.class)
        .orShould().callConstructor(SplittableRandom.class)
        .orShould().callMethod(Math.class, "random")
        .orShould().callMethod(StrictMath.class, "random")
        .orShould().callMethod(UUID.class, "randomUUID")
        .orShould().callMethod(Collections.class, "shuffle", List.class)
        .orShould().dependOnClassesThat(belongToAnyOf(ThreadLocalRandom.class, SecureRandom.class))
        .because("randomness enters the core only through Config.seed (new SplittableRandom(seed))");
  }

  /** The core logs through RaftLogger; the driver backs it with SLF4J and the simulator captures it. */
  static ArchRule coreUsesNoLoggingFrameworkOrNetty(DescribedPredicate<? super JavaClass> core) {
    return noClasses().that(core)
        .should().dependOnClassesThat().resideInAnyPackage(
            "org.slf4j..", "ch.qos.logback..", "org.apache.logging..", "java.util.logging..", "io.netty..")
        .because("the core logs only through RaftLogger and knows nothing of the network stack");
  }

  /** io.raftd.proto (generated messages) is the one io.raftd package outside the core it may use. */
  static ArchRule coreUsesNoOtherRaftdPackage(DescribedPredicate<? super JavaClass> core) {
    return noClasses().that(core)
        .should().dependOnClassesThat(
            resideInAPackage("io.raftd..")
                .and(not(resideInAnyPackage("io.raftd.raft..", "io.raftd.proto..")))
                .as("reside in an io.raftd package other than io.raftd.raft.. and io.raftd.proto.."))
        .because("the core depends on nothing of raftd but its own packages and the generated messages");
  }

  /** The driver reaches disk and network only through its LogWriter and Transport interfaces. */
  static ArchRule driverUsesNoNettyOrFileChannel(DescribedPredicate<? super JavaClass> driver) {
    return noClasses().that(driver)
        .should().dependOnClassesThat().resideInAPackage("io.netty..")
        .orShould().dependOnClassesThat(assignableTo(FileChannel.class).as("are FileChannels"))
        .because("the driver uses storage and transport only through their interfaces");
  }

  /** The host reads clocks and runs tasks only through its HostRuntime, which the host simulator replaces. */
  static ArchRule hostUsesOnlyTheRuntimesClocksAndThreads(DescribedPredicate<? super JavaClass> host) {
    return noClasses().that(host)
        .should().callMethod(System.class, "nanoTime")
        .orShould().callMethod(System.class, "currentTimeMillis")
        .orShould().callMethod(Thread.class, "sleep", long.class)
        .orShould().callMethod(CompletableFuture.class, "orTimeout", long.class, TimeUnit.class)
        .orShould().dependOnClassesThat(assignableTo(Thread.class).as("are Threads"))
        .orShould().dependOnClassesThat(belongToAnyOf(Executors.class, ExecutorService.class))
        .because("the host's time and threads come from its HostRuntime, so the host simulator can replay them");
  }

  // ---- The rules, on the production classes -----------------------------------------------------------

  @Test
  void importSeesTheCoreTheDriverAndTheHostButNoTests() {
    assertTrue(PRODUCTION.contain(RawNode.class), "RawNode not imported: the rules would check nothing");
    assertTrue(PRODUCTION.contain(ReadyProcessor.class), "ReadyProcessor not imported");
    assertTrue(PRODUCTION.contain(RaftNode.class), "the host (RaftNode) not imported");
    assertTrue(PRODUCTION.contain(Entry.class), "the generated io.raftd.proto classes not imported");
    assertFalse(PRODUCTION.contain(ArchitectureTest.class), "test classes must not be checked");
  }

  @Test
  void coreDoesNoIo() {
    coreDoesNoIo(CORE).check(PRODUCTION);
  }

  @Test
  void coreOwnsNoThreads() {
    coreOwnsNoThreads(CORE).check(PRODUCTION);
  }

  @Test
  void coreReadsNoClock() {
    coreReadsNoClock(CORE).check(PRODUCTION);
  }

  @Test
  void coreUsesOnlySeededRandomness() {
    coreUsesOnlySeededRandomness(CORE).check(PRODUCTION);
  }

  @Test
  void coreUsesNoLoggingFrameworkOrNetty() {
    coreUsesNoLoggingFrameworkOrNetty(CORE).check(PRODUCTION);
  }

  @Test
  void coreUsesNoOtherRaftdPackage() {
    coreUsesNoOtherRaftdPackage(CORE).check(PRODUCTION);
  }

  @Test
  void driverUsesNoNettyOrFileChannel() {
    driverUsesNoNettyOrFileChannel(DRIVER).check(PRODUCTION);
  }

  @Test
  void hostUsesOnlyTheRuntimesClocksAndThreads() {
    hostUsesOnlyTheRuntimesClocksAndThreads(HOST).check(PRODUCTION);
  }

  // ---- The rules still bite: each one, on a class that breaks it ------------------------------------

  /** A rule, applied to the classes it constrains. */
  @FunctionalInterface
  private interface RuleFactory {
    ArchRule on(DescribedPredicate<? super JavaClass> classes);
  }

  private record Canary(RuleFactory rule, Class<?> violator, String expected) {}

  @TestFactory
  Stream<DynamicTest> everyRuleBites() {
    return Stream.of(
        new Canary(ArchitectureTest::coreDoesNoIo, ReadsAFile.class, "java.io.File"),
        new Canary(ArchitectureTest::coreDoesNoIo, BuildsAPath.class, "java.nio.file.Path"),
        new Canary(ArchitectureTest::coreDoesNoIo, OpensASocket.class, "java.net.Socket"),
        new Canary(ArchitectureTest::coreOwnsNoThreads, StartsAThread.class, "java.lang.Thread"),
        new Canary(ArchitectureTest::coreOwnsNoThreads, ExtendsThread.class, "java.lang.Thread"),
        new Canary(ArchitectureTest::coreOwnsNoThreads, HoldsAThreadLocal.class, "java.lang.ThreadLocal"),
        new Canary(ArchitectureTest::coreOwnsNoThreads, HoldsAnExecutor.class,
            "java.util.concurrent.Executor"),
        new Canary(ArchitectureTest::coreOwnsNoThreads, UsesAConcurrentMap.class,
            "java.util.concurrent.ConcurrentHashMap"),
        new Canary(ArchitectureTest::coreReadsNoClock, ReadsNanoTime.class, "System.nanoTime()"),
        new Canary(ArchitectureTest::coreReadsNoClock, ReadsCurrentTimeMillis.class,
            "System.currentTimeMillis()"),
        new Canary(ArchitectureTest::coreReadsNoClock, ReadsAnInstant.class, "java.time.Instant"),
        new Canary(ArchitectureTest::coreReadsNoClock, MakesADate.class, "Date.<init>()"),
        new Canary(ArchitectureTest::coreUsesOnlySeededRandomness, MakesAnUnseededRandom.class,
            "Random.<init>()"),
        new Canary(ArchitectureTest::coreUsesOnlySeededRandomness, MakesAnUnseededSplittableRandom.class,
            "SplittableRandom.<init>()"),
        new Canary(ArchitectureTest::coreUsesOnlySeededRandomness, CallsMathRandom.class, "Math.random()"),
        new Canary(ArchitectureTest::coreUsesOnlySeededRandomness, UsesThreadLocalRandom.class,
            "java.util.concurrent.ThreadLocalRandom"),
        new Canary(ArchitectureTest::coreUsesOnlySeededRandomness, MakesASecureRandom.class,
            "java.security.SecureRandom"),
        new Canary(ArchitectureTest::coreUsesOnlySeededRandomness, MakesARandomUuid.class,
            "UUID.randomUUID()"),
        new Canary(ArchitectureTest::coreUsesOnlySeededRandomness, ShufflesUnseeded.class,
            "Collections.shuffle(java.util.List)"),
        new Canary(ArchitectureTest::coreUsesNoLoggingFrameworkOrNetty, UsesSlf4j.class, "org.slf4j.Logger"),
        new Canary(ArchitectureTest::coreUsesNoLoggingFrameworkOrNetty, UsesJulLogging.class,
            "java.util.logging.Logger"),
        new Canary(ArchitectureTest::coreUsesNoLoggingFrameworkOrNetty, UsesNetty.class,
            "io.netty.buffer.Unpooled"),
        new Canary(ArchitectureTest::coreUsesNoOtherRaftdPackage, UsesTheDriver.class,
            "io.raftd.driver.ReadyProcessor"),
        new Canary(ArchitectureTest::driverUsesNoNettyOrFileChannel, OpensAFileChannel.class,
            "java.nio.channels.FileChannel"),
        new Canary(ArchitectureTest::driverUsesNoNettyOrFileChannel, UsesNetty.class, "io.netty.buffer.Unpooled"),
        new Canary(ArchitectureTest::hostUsesOnlyTheRuntimesClocksAndThreads, ReadsNanoTime.class, "System.nanoTime()"),
        new Canary(ArchitectureTest::hostUsesOnlyTheRuntimesClocksAndThreads, ReadsCurrentTimeMillis.class,
            "System.currentTimeMillis()"),
        new Canary(ArchitectureTest::hostUsesOnlyTheRuntimesClocksAndThreads, StartsAThread.class, "java.lang.Thread"),
        new Canary(ArchitectureTest::hostUsesOnlyTheRuntimesClocksAndThreads, SleepsAThread.class, "Thread.sleep(long)"),
        new Canary(ArchitectureTest::hostUsesOnlyTheRuntimesClocksAndThreads, TimesOutAFuture.class,
            "CompletableFuture.orTimeout"),
        new Canary(ArchitectureTest::hostUsesOnlyTheRuntimesClocksAndThreads, MakesAnExecutor.class,
            "java.util.concurrent.Executors"))
        .map(c -> dynamicTest(c.violator().getSimpleName() + " is caught (" + c.expected() + ")", () -> {
          EvaluationResult result = evaluateOn(c.rule(), c.violator());
          assertTrue(result.hasViolation(), "the rule let " + c.violator().getName() + " through");
          String report = result.getFailureReport().toString();
          assertTrue(report.contains(c.expected()),
              "expected a violation naming " + c.expected() + ", got:\n" + report);
        }));
  }

  /** And they do not bite what the core is allowed to do: java.util, seeded SplittableRandom, protobuf. */
  @Test
  void theSanctionedCoreVocabularyPasses() {
    for (RuleFactory rule : List.<RuleFactory>of(
        ArchitectureTest::coreDoesNoIo,
        ArchitectureTest::coreOwnsNoThreads,
        ArchitectureTest::coreReadsNoClock,
        ArchitectureTest::coreUsesOnlySeededRandomness,
        ArchitectureTest::coreUsesNoLoggingFrameworkOrNetty,
        ArchitectureTest::driverUsesNoNettyOrFileChannel)) {
      EvaluationResult result = evaluateOn(rule, UsesOnlySanctionedThings.class);
      assertFalse(result.hasViolation(), result.getFailureReport().toString());
    }
  }

  /** Runs a rule with the violator standing in for the core (or driver). */
  private static EvaluationResult evaluateOn(RuleFactory rule, Class<?> violator) {
    JavaClasses classes = new ClassFileImporter().importClasses(violator);
    DescribedPredicate<JavaClass> only = belongToAnyOf(violator).as("the canary " + violator.getSimpleName());
    return rule.on(only).evaluate(classes);
  }

  // ---- Canaries: never instantiated, only imported as bytecode ------------------------------------

  @SuppressWarnings("unused")
  private static final class ReadsAFile {
    boolean f() {
      return new File("x").exists();
    }
  }

  @SuppressWarnings("unused")
  private static final class BuildsAPath {
    Object f() {
      return Path.of("x");
    }
  }

  @SuppressWarnings("unused")
  private static final class OpensASocket {
    Object f() {
      return new Socket();
    }
  }

  @SuppressWarnings("unused")
  private static final class StartsAThread {
    void f(Runnable r) {
      new Thread(r).start();
    }
  }

  private static final class ExtendsThread extends Thread {}

  @SuppressWarnings("unused")
  private static final class SleepsAThread {
    void f() throws InterruptedException {
      Thread.sleep(1000);
    }
  }

  @SuppressWarnings("unused")
  private static final class TimesOutAFuture {
    CompletableFuture<Void> f(CompletableFuture<Void> v) {
      return v.orTimeout(1, TimeUnit.SECONDS);
    }
  }

  @SuppressWarnings("unused")
  private static final class MakesAnExecutor {
    Executor f() {
      return Executors.newSingleThreadExecutor();
    }
  }

  @SuppressWarnings("unused")
  private static final class HoldsAThreadLocal {
    private final ThreadLocal<Long> local = new ThreadLocal<>();
  }

  @SuppressWarnings("unused")
  private static final class HoldsAnExecutor {
    private Executor executor;
  }

  @SuppressWarnings("unused")
  private static final class UsesAConcurrentMap {
    Object f() {
      return new ConcurrentHashMap<Long, Long>();
    }
  }

  @SuppressWarnings("unused")
  private static final class ReadsNanoTime {
    long f() {
      return System.nanoTime();
    }
  }

  @SuppressWarnings("unused")
  private static final class ReadsCurrentTimeMillis {
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
  private static final class MakesADate {
    Object f() {
      return new Date();
    }
  }

  @SuppressWarnings("unused")
  private static final class MakesAnUnseededRandom {
    Object f() {
      return new Random();
    }
  }

  @SuppressWarnings("unused")
  private static final class MakesAnUnseededSplittableRandom {
    Object f() {
      return new SplittableRandom();
    }
  }

  @SuppressWarnings("unused")
  private static final class CallsMathRandom {
    double f() {
      return Math.random();
    }
  }

  @SuppressWarnings("unused")
  private static final class UsesThreadLocalRandom {
    long f() {
      return ThreadLocalRandom.current().nextLong();
    }
  }

  @SuppressWarnings("unused")
  private static final class MakesASecureRandom {
    Object f() {
      return new SecureRandom();
    }
  }

  @SuppressWarnings("unused")
  private static final class MakesARandomUuid {
    Object f() {
      return UUID.randomUUID();
    }
  }

  @SuppressWarnings("unused")
  private static final class ShufflesUnseeded {
    void f(List<Long> list) {
      Collections.shuffle(list);
    }
  }

  @SuppressWarnings("unused")
  private static final class UsesSlf4j {
    Object f() {
      return org.slf4j.LoggerFactory.getLogger("x");
    }
  }

  @SuppressWarnings("unused")
  private static final class UsesJulLogging {
    Object f() {
      return java.util.logging.Logger.getLogger("x");
    }
  }

  @SuppressWarnings("unused")
  private static final class UsesNetty {
    Object f() {
      return io.netty.buffer.Unpooled.buffer();
    }
  }

  @SuppressWarnings("unused")
  private static final class UsesTheDriver {
    private ReadyProcessor processor;
  }

  @SuppressWarnings("unused")
  private static final class OpensAFileChannel {
    Object f(Path p) throws IOException {
      return FileChannel.open(p);
    }
  }

  /** What the core may use: java.util (not .concurrent), a seeded SplittableRandom, protobuf, RaftLogger. */
  @SuppressWarnings("unused")
  private static final class UsesOnlySanctionedThings {
    private final SplittableRandom random = new SplittableRandom(42);
    private final TreeMap<Long, Entry> entries = new TreeMap<>();
    private final List<Runnable> pending = new ArrayList<>();
    private final RaftLogger logger = RaftLogger.NONE;

    byte[] f(long index) {
      Entry e = Entry.newBuilder().setIndex(index).setTerm(random.nextLong(1, 10)).build();
      entries.put(index, e);
      logger.info("appended " + e.getIndex());
      return e.toByteArray();
    }
  }
}
