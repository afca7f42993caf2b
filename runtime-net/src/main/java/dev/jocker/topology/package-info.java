/**
 * What a bridge network looks like in the kernel, as plain data, and its explanations for learners:
 * the topology drawn as text, Graphviz DOT or Mermaid, and the hop-by-hop path of a packet. Pure
 * functions of the data: the engine fills the model from netlink and the store.
 */
package dev.jocker.topology;
