package dev.steer4j.format.pytorch;

/** A class or function named by a pickle GLOBAL; never resolved to code, only compared with the allow-list. */
public record PyGlobal(String module, String name) {
    public String qualified() { return module + "." + name; }

    @Override
    public String toString() { return qualified(); }
}
