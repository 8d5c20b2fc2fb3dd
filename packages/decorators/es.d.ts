export * from '@mikro-native/core/decorators/es';
