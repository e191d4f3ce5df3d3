package dev.steer4j.cli;

public final class Main {
    public static void main(String[] args) {
        System.out.println("steer4j");
    }
}
