/** The lowest layer: small helpers every other package may use (digests, message text, vector arithmetic). */
package dev.steer4j.util;
