package org.medtrace.loadtests;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import java.util.Locale;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.ledger.v1.AccessRecorded;
import org.medtrace.ledger.v1.ActingParty;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.RecordAnchored;

/**
 * What applying one event to a patient's state costs as the patient's history grows: the state
 * after every read (an {@code AccessRecorded} event) of a patient with one record, applied the way
 * a recovery replays them. Prints, per history length, the time to replay the whole history and
 * the cost of one more event at its end. No Cassandra, no Kafka: the entity's own CPU cost only.
 *
 * <pre>java -cp "load-tests/target/classes:$(cat load-tests/target/benchmark.classpath)" org.medtrace.loadtests.PatientStateCost</pre>
 */
public final class PatientStateCost {

  private static final int[] HISTORY_LENGTHS = {1_000, 10_000, 50_000};

  /** Events timed at the end of each history, for the per-event figure. */
  private static final int TAIL = 1_000;

  private PatientStateCost() {}

  public static void main(String[] args) {
    // One untimed pass so the JIT has compiled what the timed passes run.
    replay(10_000);
    System.out.printf("%-16s %-22s %s%n", "history", "replay of all events", "one more event at the end");
    for (int length : HISTORY_LENGTHS) {
      long started = System.nanoTime();
      PatientRecord.State state = replay(length - TAIL);
      long tailStarted = System.nanoTime();
      for (int i = length - TAIL + 1; i <= length; i++) {
        state = state.apply(read(i));
      }
      long finished = System.nanoTime();
      System.out.printf(
          Locale.ROOT,
          "%,9d events %,15.1f ms %,21.2f µs%n",
          length,
          (finished - started) / 1e6,
          (finished - tailStarted) / 1e3 / TAIL);
    }
  }

  private static PatientRecord.State replay(int events) {
    PatientRecord.State state = PatientRecord.State.empty("pk-cost").apply(anchored());
    for (int i = 2; i <= events; i++) {
      state = state.apply(read(i));
    }
    return state;
  }

  private static EventBody anchored() {
    return EventBody.newBuilder()
        .setSequenceNumber(1)
        .setRecordedAt(Timestamp.newBuilder().setSeconds(1_790_000_000L))
        .setActingParty(ActingParty.newBuilder().setOrganisation("st-mary").setUser("dr-lee").setRole("clinician"))
        .setRecordAnchored(
            RecordAnchored.newBuilder()
                .setRecordId("lab-1")
                .setCategory("lab-result")
                .setContentSha256(ByteString.copyFrom(new byte[32]))
                .setLocationUri("https://lis.st-mary.example/results/1")
                .setSourceSystem("lis")
                .setAuthor("lab"))
        .build();
  }

  private static EventBody read(long sequenceNumber) {
    return EventBody.newBuilder()
        .setSequenceNumber(sequenceNumber)
        .setRecordedAt(Timestamp.newBuilder().setSeconds(1_790_000_000L + sequenceNumber))
        .setActingParty(ActingParty.newBuilder().setOrganisation("st-mary").setUser("dr-lee").setRole("clinician"))
        .setAccessRecorded(
            AccessRecorded.newBuilder().setRecordId("lab-1").setCategory("lab-result").setPurpose("treatment").setConsentId("c-1"))
        .build();
  }
}
