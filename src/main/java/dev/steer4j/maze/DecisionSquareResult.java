package dev.steer4j.maze;

/**
 * One maze's metric at its decision square: the probability of the movement group toward the cheese and toward the
 * top-right corner, without and with steering.
 */
public record DecisionSquareResult(int seed, int mazeDim, Square cheese, Square decisionSquare, Move cheeseDir, Move topRightDir,
                                   double pCheese, double pCheeseSteered, double pTopRight, double pTopRightSteered) {}
