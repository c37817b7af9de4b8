package org.medtrace.actors.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.device.MedicalDevice;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.actors.witness.LogWitness;

/** Every write command of every entity has a role rule: a new command cannot skip the check. */
class PermissionsTest {

  @Test
  void everyDrugBatchWriteHasARoleRule() {
    assertEveryWriteCovered(DrugBatch.Command.class, DrugBatch.PERMISSIONS);
  }

  @Test
  void everyMedicalDeviceWriteHasARoleRule() {
    assertEveryWriteCovered(MedicalDevice.Command.class, MedicalDevice.PERMISSIONS);
  }

  @Test
  void everyPatientRecordWriteAndTheReadHaveARoleRule() {
    assertEveryWriteCovered(PatientRecord.Command.class, PatientRecord.PERMISSIONS);
    assertTrue(PatientRecord.PERMISSIONS.containsKey(PatientRecord.RecordAccess.class));
  }

  @Test
  void everyLogWitnessWriteHasARoleRule() {
    assertEveryWriteCovered(LogWitness.Command.class, LogWitness.PERMISSIONS);
  }

  @Test
  void refusalNamesTheRoleTheActionAndWhoIsAllowed() {
    Permission permission = new Permission("release a quarantine", Set.of(Role.REGULATOR));
    assertEquals(
        "a device-engineer may not release a quarantine; allowed: regulator",
        permission.refusal(Role.DEVICE_ENGINEER));
  }

  private static void assertEveryWriteCovered(Class<?> commandType, Map<? extends Class<?>, Permission> permissions) {
    Set<Class<?>> writes =
        Arrays.stream(commandType.getPermittedSubclasses())
            .filter(LedgerWrite.class::isAssignableFrom)
            .collect(Collectors.toSet());
    assertTrue(!writes.isEmpty());
    for (Class<?> write : writes) {
      assertTrue(permissions.containsKey(write), write.getSimpleName() + " has no role rule");
      assertTrue(!permissions.get(write).roles().isEmpty(), write.getSimpleName() + " allows no role");
    }
  }
}
