package org.medtrace.merkle;

import java.util.ArrayList;
import java.util.List;

/** A {@link NodeStore} in memory: one growable list of hashes per level. */
public final class InMemoryNodeStore implements NodeStore {

  private final List<List<byte[]>> levels = new ArrayList<>();
  private long size;

  @Override
  public synchronized long size() {
    return size;
  }

  @Override
  public synchronized byte[] node(int level, long index) {
    if (level < 0 || level >= levels.size() || index < 0 || index >= levels.get(level).size()) {
      throw new IllegalStateException("no complete subtree at level " + level + ", index " + index);
    }
    return levels.get(level).get((int) index).clone();
  }

  @Override
  public synchronized void append(long leafIndex, List<Node> completedNodes) {
    if (leafIndex != size) {
      throw new IllegalArgumentException("leaf " + leafIndex + " appended to a tree of size " + size);
    }
    for (Node node : completedNodes) {
      while (levels.size() <= node.level()) {
        levels.add(new ArrayList<>());
      }
      List<byte[]> level = levels.get(node.level());
      if (node.index() != level.size()) {
        throw new IllegalArgumentException(
            "node (" + node.level() + ", " + node.index() + ") is not the next one of its level");
      }
      level.add(node.hash().clone());
    }
    size++;
  }
}
