package org.medtrace.actors.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The access log's list: appending leaves the original as it was, and it reads as any list. */
class PersistentListTest {

  @Test
  void appendingLeavesTheOriginalUnchanged() {
    PersistentList<String> one = PersistentList.<String>empty().appended("a");
    PersistentList<String> two = one.appended("b");
    PersistentList<String> branch = one.appended("c");

    assertEquals(List.of("a"), one);
    assertEquals(List.of("a", "b"), two);
    assertEquals(List.of("a", "c"), branch);
    assertEquals(List.of("a", "b").hashCode(), two.hashCode());
  }

  @Test
  void holdsALongHistoryInOrder() {
    PersistentList<Integer> list = PersistentList.empty();
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      list = list.appended(i);
      expected.add(i);
    }
    assertEquals(expected, list);
    assertEquals(4_999, list.get(4_999));
    assertThrows(IndexOutOfBoundsException.class, () -> PersistentList.copyOf(List.of(1)).get(1));
    assertThrows(IndexOutOfBoundsException.class, () -> PersistentList.copyOf(List.of(1)).get(-1));
  }

  @Test
  void isUnmodifiableRefusesNullsAndIsNotCopiedTwice() {
    PersistentList<String> list = PersistentList.copyOf(List.of("a", "b"));
    assertSame(list, PersistentList.copyOf(list));
    assertThrows(UnsupportedOperationException.class, () -> list.add("c"));
    assertThrows(UnsupportedOperationException.class, () -> list.set(0, "c"));
    assertThrows(NullPointerException.class, () -> list.appended(null));
    assertTrue(PersistentList.empty().isEmpty());
  }

  @Test
  void serializesAsAPlainArray() throws Exception {
    ObjectMapper json = new ObjectMapper();
    String written = json.writeValueAsString(PersistentList.copyOf(List.of("a", "b")));
    assertEquals("[\"a\",\"b\"]", written);
    assertEquals(List.of("a", "b"), PersistentList.copyOf(json.readValue(written, new TypeReference<List<String>>() {})));
  }
}
