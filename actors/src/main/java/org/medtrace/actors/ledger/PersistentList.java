package org.medtrace.actors.ledger;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;
import scala.collection.SeqOps;
import scala.collection.immutable.Vector;
import scala.collection.immutable.Vector$;

/**
 * An immutable list whose {@link #appended} shares structure with the list it extends, for entity
 * state that only ever grows by one entry per event (a patient's access log): appending costs
 * effectively O(1) where copying the list would cost O(n) per event, O(n²) over an entity's life
 * and its recovery. Backed by Scala's immutable vector, as {@link RecentSources} is by Scala's
 * persistent collections.
 *
 * <p>It is a plain {@link List} to every reader: equal to any list with the same elements,
 * serialized by Jackson as an array, unmodifiable through the {@link List} methods.
 */
public final class PersistentList<E> extends AbstractList<E> implements RandomAccess {

  private static final PersistentList<?> EMPTY = new PersistentList<>(Vector$.MODULE$.empty());

  private final Vector<E> elements;

  private PersistentList(Vector<E> elements) {
    this.elements = elements;
  }

  @SuppressWarnings("unchecked")
  public static <E> PersistentList<E> empty() {
    return (PersistentList<E>) EMPTY;
  }

  /** {@code list} itself if it is one already, else a copy; null elements are refused, as {@link List#copyOf} does. */
  public static <E> PersistentList<E> copyOf(List<? extends E> list) {
    if (list instanceof PersistentList<? extends E> persistent) {
      @SuppressWarnings("unchecked")
      PersistentList<E> same = (PersistentList<E>) persistent;
      return same;
    }
    PersistentList<E> copy = empty();
    for (E element : list) {
      copy = copy.appended(element);
    }
    return copy;
  }

  /** This list with {@code element} at its end; this list is unchanged. */
  public PersistentList<E> appended(E element) {
    if (element == null) {
      throw new NullPointerException("a persistent list holds no nulls");
    }
    // Through the SeqOps interface: from Java, Vector's own appended and its bridge are ambiguous.
    @SuppressWarnings("unchecked")
    Vector<E> longer = (Vector<E>) ((SeqOps<E, ?, ?>) elements).appended(element);
    return new PersistentList<>(longer);
  }

  @Override
  public E get(int index) {
    if (index < 0 || index >= elements.length()) {
      throw new IndexOutOfBoundsException("index " + index + ", size " + elements.length());
    }
    return elements.apply(index);
  }

  @Override
  public int size() {
    return elements.length();
  }
}
