export * from '@mikro-native/core/decorators/legacy';
