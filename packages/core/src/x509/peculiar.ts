// @peculiar/x509 reads decorator metadata when its modules load; reflect-metadata must come first.
import 'reflect-metadata';

export * from '@peculiar/x509';
