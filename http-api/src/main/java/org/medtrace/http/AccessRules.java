package org.medtrace.http;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.medtrace.actors.ledger.Permission;
import org.medtrace.actors.ledger.Role;
import org.medtrace.actors.patient.PatientRecord;

/**
 * Who may call the read endpoints (the writes take their roles from the entities' published
 * permission tables, see {@link #writers}). These are the API's own rules, since the entities do not
 * decide who reads their state:
 *
 * <ul>
 *   <li>a batch's state, trail and chain: the supply chain (manufacturer, logistics, hospital,
 *       pharmacist) plus regulator and auditor;
 *   <li>a unit's verification: the same plus clinicians, who administer what pharmacists dispense;
 *   <li>a device's state, trail and chain: manufacturer, hospital, device engineer, clinician,
 *       regulator, auditor;
 *   <li>patient data (the record list, one record): the roles the patient entity lets read at all
 *       ({@code PatientRecord.PERMISSIONS} for {@code RecordAccess}); the entity then decides by
 *       consent, self-access or break-glass, and records every read and every denial;
 *   <li>a patient's access log and chain verification: the patient themself (only their own), the
 *       auditor and the regulator (oversight), and hospitals and clinicians of an organisation that
 *       anchored one of the patient's records (the owning hospital);
 *   <li>alerts: regulator and auditor (they include denied reads of patient data).
 *   <li>the global log's checkpoints and consistency proofs: every role (they reveal sizes and
 *       hashes of the whole log, nothing about any entity);
 *   <li>an event's inclusion proof: the entity's readers (a batch's, a device's); for a patient the
 *       auditor, the regulator and the patient themself (the proof reveals hashes only);
 *   <li>an entity's exported history: the entity's readers; for a patient only the patient
 *       themself, since the export holds the events' payloads, which are patient data read without
 *       the audited access command.
 * </ul>
 *
 * <p>A patient's trail is not served: its payloads are patient data that could only be read there
 * without the audited access command. Its integrity is served by verification, which reveals only
 * the chain's length and head hash.
 */
public final class AccessRules {

  public static final Set<Role> SUPPLY_CHAIN = Set.of(Role.MANUFACTURER, Role.LOGISTICS, Role.HOSPITAL, Role.PHARMACIST);

  public static final Set<Role> BATCH_READERS = union(SUPPLY_CHAIN, Set.of(Role.REGULATOR, Role.AUDITOR));

  public static final Set<Role> UNIT_VERIFIERS = union(BATCH_READERS, Set.of(Role.CLINICIAN));

  public static final Set<Role> DEVICE_READERS =
      Set.of(Role.MANUFACTURER, Role.HOSPITAL, Role.DEVICE_ENGINEER, Role.CLINICIAN, Role.REGULATOR, Role.AUDITOR);

  public static final Set<Role> PATIENT_DATA_READERS = PatientRecord.PERMISSIONS.get(PatientRecord.RecordAccess.class).roles();

  public static final Set<Role> ACCESS_LOG_READERS =
      Set.of(Role.PATIENT, Role.AUDITOR, Role.REGULATOR, Role.HOSPITAL, Role.CLINICIAN);

  /** Readers of an access log who must belong to an organisation owning one of the patient's records. */
  public static final Set<Role> OWNING_ORGANISATION_READERS = Set.of(Role.HOSPITAL, Role.CLINICIAN);

  public static final Set<Role> ALERT_READERS = Set.of(Role.REGULATOR, Role.AUDITOR);

  public static final Set<Role> LOG_READERS = Set.of(Role.values());

  public static final Set<Role> PATIENT_PROOF_READERS = Set.of(Role.AUDITOR, Role.REGULATOR, Role.PATIENT);

  public static final Set<Role> PATIENT_HISTORY_EXPORTERS = Set.of(Role.PATIENT);

  private AccessRules() {}

  /** The roles an entity's permission table allows to issue {@code command}. */
  public static Set<Role> writers(Map<? extends Class<?>, Permission> permissions, Class<?> command) {
    Permission permission = permissions.get(command);
    if (permission == null) {
      throw new IllegalArgumentException("no permission is published for " + command.getName());
    }
    return permission.roles();
  }

  private static Set<Role> union(Set<Role> a, Set<Role> b) {
    EnumSet<Role> all = EnumSet.noneOf(Role.class);
    all.addAll(a);
    all.addAll(b);
    return Set.copyOf(all);
  }
}
