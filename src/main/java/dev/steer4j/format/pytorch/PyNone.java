package dev.steer4j.format.pytorch;

/** Python's None inside immutable containers (Java's List.copyOf refuses null). */
enum PyNone { NONE }
